"""The Celery manifest task and ``studio build`` take the same lock on an output folder."""
# ruff: noqa: F811  (the jobs_env fixtures imported below are test parameters)

import json
import time

import pytest
from jobs_env import Worker, fakes, redis_db  # noqa: F401  (fixtures)

from studio import locks

# celery's Redis result backend calls redis-py's deprecated setex: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def test_batch_manifest_waits_for_the_folder_lock(redis_db, fakes, example_campaign, tmp_path):
    from jobs import batch
    from jobs.submit import submit, wait

    out = tmp_path / "out"
    folder = out / "ninh-thuan-2025"
    worker = Worker("w1", tmp_path)
    try:
        with locks.exclusive(folder, "studio build (kiểm thử)"):  # a build is writing into the folder
            batch_id, report = submit(example_campaign, out, ["dot-3"])
            deadline = time.monotonic() + 60
            while any(j["state"] not in batch.FINAL for j in batch.jobs(batch_id).values()):
                assert time.monotonic() < deadline, "the batch's jobs never settled"
                time.sleep(0.1)
            time.sleep(3)  # the manifest task has had time to try, and retried
            assert batch.meta(batch_id)["state"] != "finished"
            assert not (folder / "dot-3" / "manifest.json").exists()
        meta = wait(batch_id, timeout=60, poll=0.1)  # released: the manifest task writes
        assert meta["state"] == "finished", meta
        arts = json.loads((folder / "dot-3" / "manifest.json").read_text())["artifacts"]
        assert len({a["job"] for a in arts}) == report.planned
    finally:
        worker.stop()
