"""A Redis without persistence restarted mid-batch: the batch's record survives in the output
folder, ``studio batch status`` says what is known, and ``studio batch resume`` finishes it.

Real ``redis-server`` (the test's own, on a free port, killed and started again empty) and a
real ``celery worker`` subprocess; the shared Redis on 6379 is never touched.
"""
# ruff: noqa: F811  (the jobs_env fixtures imported below are test parameters)

import re
import time
from collections import Counter

import pytest
from jobs_env import Worker, control, fakes, private_redis, render_log  # noqa: F401  (fixtures)
from test_jobs_worker import assert_complete, wait_finished
from typer.testing import CliRunner

from studio.cli import app as cli

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

SLOW = "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin"


def lines(workdir, what: str) -> Counter:
    return Counter(line.split(" ", 1)[1] for line in render_log(workdir) if line.startswith(what + " "))


def status(batch_id: str, out) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["batch", "status", batch_id, "--out", str(out)])
    assert isinstance(result.exception, (SystemExit, type(None))), result.exception
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("down_while_settling", [False, True], ids=["restarted-at-once", "down-while-job-settles"])
def test_redis_restarted_mid_batch_status_tells_the_truth_and_resume_completes(
        down_while_settling, private_redis, fakes, example_campaign, tmp_path):
    """Redis back at once (the job in flight settles into an empty Redis), or still down when
    that job settles (its bookkeeping fails; the folder's copy, written first, has it)."""
    from jobs import batch
    from jobs.submit import submit, wait

    control(tmp_path, slow=SLOW, slow_seconds=3)
    worker = Worker("w1", tmp_path)
    try:
        out = tmp_path / "out"
        batch_id, report = submit(example_campaign, out, ["dot-1"])
        assert report.planned == 102 and report.reused == 0
        deadline = time.monotonic() + 30
        while f"start {SLOW}" not in render_log(tmp_path):
            assert time.monotonic() < deadline, "the slow job never started"
            time.sleep(0.05)
        private_redis.kill()  # mid-batch: the slow job is being written, the rest waits in the queue
        while down_while_settling and f"done {SLOW}" not in render_log(tmp_path):
            assert time.monotonic() < deadline + 30, "the slow job never finished"
            time.sleep(0.05)
        if down_while_settling:  # the job in flight settled into the folder's copy; Redis is still down
            while (batch.from_folder(out, batch_id)["jobs"][SLOW]["state"] != batch.DONE
                   and time.monotonic() < deadline + 30):
                time.sleep(0.05)
            code, text = status(batch_id, out)
            done = len(lines(tmp_path, "done"))
            assert code == 2 and "Redis không trả lời" in text and f"{done}/102 việc xong, 0 lỗi" in text, text
            assert "Không kết nối được" in text and "resume" not in text  # it may go on once Redis is back
        private_redis.start()
        assert batch.meta(batch_id) is None and batch.recent() == []  # Redis kept nothing
        assert wait(batch_id, timeout=5)["state"] == "lost"  # a waiting client is told at once, not left hanging

        # the job in flight finishes after the restart; its outcome reaches the folder's copy
        deadline = time.monotonic() + 30
        while (batch.from_folder(out, batch_id) or {}).get("jobs", {}).get(SLOW, {}).get("state") != batch.DONE:
            assert time.monotonic() < deadline, "the job in flight never settled"
            time.sleep(0.1)
        time.sleep(1)  # nothing else runs: the queue went with Redis
        done = lines(tmp_path, "done")
        assert 0 < len(done) < 102 and SLOW in done
        assert not (out / "ninh-thuan-2025" / "dot-1" / "manifest.json").exists()
        assert batch.jobs(batch_id) == {}, "a half record was written into the restarted Redis"

        code, text = status(batch_id, out)
        assert code == 1, text
        assert "không còn hồ sơ trong Redis" in text and "30 ngày" not in text
        assert f"{len(done)}/102 việc xong, 0 lỗi, {102 - len(done)} chưa xong" in text
        assert f"studio batch resume {batch_id} --out {out}" in text, text
        code, text = status("20250101-000000-abcdef", out)
        assert code == 2 and "Không tìm thấy lô" in text and "30 ngày" not in text
        listed = CliRunner().invoke(cli, ["batch", "list", "--out", str(out)]).output
        assert re.search(rf"{batch_id} .*chỉ còn hồ sơ trong thư mục đầu ra", listed)

        result = CliRunner().invoke(cli, ["batch", "resume", batch_id, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"{102 - len(done)} việc cần tạo, {len(done)} giữ nguyên" in result.output
        meta = wait_finished(batch_id, timeout=30)
        assert meta["failures"] == 0 and "resumed_at" in meta
        assert_complete(out, example_campaign, "dot-1")  # each planned artifact once, matching sha256
        assert set(lines(tmp_path, "done").values()) == {1} and len(lines(tmp_path, "done")) == 102, \
            "a job finished before the restart was rendered again"
        code, text = status(batch_id, out)
        assert code == 0 and "đã xong" in text, text
        result = CliRunner().invoke(cli, ["batch", "resume", batch_id, "--out", str(out)])
        assert result.exit_code == 0 and "đã xong" in result.output  # nothing sent twice

        # restarted again once finished: the folder's copy still knows the manifest
        private_redis.kill()
        private_redis.start()
        code, text = status(batch_id, out)
        assert code == 0 and "cho thấy lô đã xong" in text, text
        assert "Manifest: " in text and "dot-1/manifest.json" in text
    finally:
        worker.stop()
