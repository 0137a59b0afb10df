"""The operator's view of a batch: per-job timings and worker in the record (Redis and the output
folder's copy), and ``studio batch status`` showing progress per phase and channel, the slowest
jobs, failures by brief and format, and jobs per worker. Two real workers, real Redis."""
# ruff: noqa: F811  (the jobs_env fixtures imported below are test parameters)

import pytest
from jobs_env import BACKEND, Worker, control, fakes, redis_db  # noqa: F401  (fixtures)
from test_jobs_worker import wait_finished
from typer.testing import CliRunner

from studio.cli import app as cli

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

SLOW = "dot-1/hoi-nghi/ninh-thuan/deck-16x9"
FAILING = "dot1-thi-dua--pano-4000x2000"  # one per district: 7 jobs of one brief and format
DISTRICTS = ["bac-ai", "ninh-hai", "ninh-phuoc", "ninh-son", "phan-rang-thap-cham", "thuan-bac", "thuan-nam"]


def status(batch_id: str, out) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["batch", "status", batch_id, "--out", str(out)])
    assert isinstance(result.exception, (SystemExit, type(None))), result.exception
    return result.exit_code, " ".join(result.output.split())


def test_batch_status_shows_progress_slowest_jobs_failures_and_workers(redis_db, fakes, example_campaign, tmp_path):
    import redis

    from jobs import batch
    from jobs.submit import submit

    control(tmp_path, fail=FAILING, slow=SLOW, slow_seconds=2)
    workers = [Worker("w1", tmp_path), Worker("w2", tmp_path)]
    try:
        out = tmp_path / "out"
        batch_id, report = submit(example_campaign, out, ["dot-1"])
        assert report.planned == 102
        assert wait_finished(batch_id)["failures"] == 7
    finally:
        for w in workers:
            w.stop()

    states = batch.jobs(batch_id)
    copy = batch.from_folder(out, batch_id)["jobs"]
    for job_id, job in states.items():  # every settled job says where it ran and for how long, in both homes
        assert job["worker"] in {"w1@test", "w2@test"} and job["seconds"] >= 0 and job["started"] <= job["at"]
        assert {k: copy[job_id][k] for k in ("worker", "started", "seconds")} == \
               {k: job[k] for k in ("worker", "started", "seconds")}
    assert states[SLOW]["seconds"] >= 2  # it slept 2 s mid-write

    view = batch.view(states, batch.kept(batch_id))
    assert view["slowest"][0]["job"] == SLOW and len(view["slowest"]) == 5
    assert view["failures"] == [{"brief": "dot1-thi-dua", "format": "pano-4000x2000", "count": 7,
                                 "units": DISTRICTS, "error": "RuntimeError: hỏng"}]
    progress = {(r["phase"], r["channel"]): r for r in view["progress"]}
    assert progress["dot-1", "pano"] == {"phase": "dot-1", "channel": "pano", "done": 14, "failed": 7,
                                         "pending": 0, "kept": 0}
    assert sum(r["done"] + r["failed"] for r in view["progress"]) == 102
    assert {w["worker"] for w in view["workers"]} <= {"w1@test", "w2@test"}
    assert sum(w["jobs"] for w in view["workers"]) == 102

    code, text = status(batch_id, out)
    assert code == 1
    assert "Tiến độ theo giai đoạn và kênh" in text and "│ dot-1 │ pano │ 14 │ 7 │ 0 │ 0 │" in text
    assert "Việc chậm nhất" in text and SLOW in text
    assert "Lỗi theo tin bài và định dạng" in text and "│ dot1-thi-dua │ pano-4000x2000 │ 7 │" in text
    assert "bac-ai," in text and "vị khác" in text  # the first 5 units of the group, then how many more
    assert "Worker (máy)" in text and "w1@test" in text
    assert text.count("LỖI dot-1/pano/") == 7

    redis.Redis.from_url(BACKEND).flushdb()  # Redis loses the record: the folder's copy tells the same
    code, text = status(batch_id, out)
    assert code == 1 and "hồ sơ trong thư mục đầu ra" in text
    assert "Việc chậm nhất" in text and SLOW in text and "│ dot1-thi-dua │ pano-4000x2000 │ 7 │" in text
    assert "w1@test" in text or "w2@test" in text
