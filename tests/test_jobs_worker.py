"""Batches on real Celery workers (subprocesses) against a real Redis."""
# ruff: noqa: F811  (the jobs_env fixtures imported below are test parameters)

import json
import os
import signal
import time
from collections import Counter

import pytest
from jobs_env import Worker, control, fakes, redis_db, render_log  # noqa: F401  (fixtures)

from studio.artifacts import sha256_file
from studio.plan import expand

# celery's Redis result backend calls redis-py's deprecated setex: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

OUT_CAMPAIGN = "ninh-thuan-2025"


def wait_finished(batch_id: str, timeout: float = 60) -> dict:
    from jobs.submit import wait

    meta = wait(batch_id, timeout=timeout, poll=0.1)
    assert meta["state"] == "finished", meta
    return meta


def manifest(out, phase: str) -> dict:
    return json.loads((out / OUT_CAMPAIGN / phase / "manifest.json").read_text())


def assert_complete(out, campaign, phase: str, skip: tuple = ()) -> list[dict]:
    """The manifest lists every planned job's artifact exactly once, each file intact."""
    arts = manifest(out, phase)["artifacts"]
    paths = [a["path"] for a in arts]
    assert len(paths) == len(set(paths)), "duplicate artifact in the manifest"
    expected = {j.id for j in expand(campaign, [phase])} - set(skip)
    assert {a["job"] for a in arts} == expected
    for art in arts:
        path = out / OUT_CAMPAIGN / art["path"]
        assert sha256_file(path) == art["sha256"] and path.read_text().endswith("xong\n")
    assert not list((out / OUT_CAMPAIGN).rglob("*.part*")), "a partial file was left behind"
    return arts


@pytest.fixture
def worker(tmp_path, redis_db):
    w = Worker("w1", tmp_path)
    yield w
    w.stop()


def test_phase_batch_completes_then_unchanged_batch_renders_nothing(worker, fakes, example_campaign, tmp_path):
    from jobs import batch
    from jobs.submit import submit
    from studio.publish.signing import init_keys, load_public, loads, verify

    out = tmp_path / "out"
    private, public = init_keys(tmp_path / "keys")
    published = tmp_path / "published"
    batch_id, report = submit(example_campaign, out, ["dot-1"], publish_to=str(published), key=private,
                               publish_options={"local_feeds": True})
    assert report.planned == 102 and report.reused == 0
    meta = wait_finished(batch_id)
    arts = assert_complete(out, example_campaign, "dot-1")
    assert len(arts) == 102 and meta["failures"] == 0
    # render group → manifest → publish: the signed manifest is the publisher's, written last
    signed = loads((published / OUT_CAMPAIGN / "dot-1" / "manifest.json").read_bytes())
    verify(signed, load_public(public))
    assert meta["published"][0]["phase"] == "dot-1" and signed["artifacts"]
    assert {s for j in batch.jobs(batch_id).values() for s in [j["state"]]} == {"done"}
    renders = len(render_log(tmp_path))
    assert renders == 2 * 102  # a start and a done line per job

    # the second run goes through the CLI: studio build --celery
    from typer.testing import CliRunner

    from studio.cli import app

    result = CliRunner().invoke(app, ["build", str(example_campaign.root), "--out", str(out), "--phase", "dot-1",
                                      "--celery"])
    assert result.exit_code == 0, result.output
    assert "Đã tạo 0, giữ nguyên 102, lỗi 0" in result.output
    assert len(render_log(tmp_path)) == renders, "an unchanged batch rendered something"
    again = batch.recent(1)[0]
    assert batch.jobs(again) == {} and batch.meta(again)["reused"] == 102
    assert manifest(out, "dot-1")["artifacts"] == arts


def test_failures_and_storage_retries_are_reported(worker, fakes, example_campaign, tmp_path):
    from typer.testing import CliRunner

    from jobs import batch
    from jobs.submit import submit
    from studio.cli import app

    failing = "dot-3/truyen-thanh-co-so/ca-na-2025/bulletin"
    control(tmp_path, fail=failing, flaky="dot-3/hoi-nghi")
    out = tmp_path / "out"
    store = tmp_path / "store"  # a store shared by workers that do not share the output folder
    batch_id, _ = submit(example_campaign, out, ["dot-3"], storage=str(store))
    meta = wait_finished(batch_id)
    assert meta["failures"] == 1
    arts = assert_complete(out, example_campaign, "dot-3", skip=(failing,))
    for art in arts:
        assert sha256_file(store / OUT_CAMPAIGN / art["path"]) == art["sha256"]
    assert json.loads((store / OUT_CAMPAIGN / "dot-3" / "manifest.json").read_text())["artifacts"] == arts
    deck = batch.jobs(batch_id)["dot-3/hoi-nghi/ninh-thuan/deck-16x9"]
    assert deck["state"] == "done" and deck["attempt"] == 2  # the storage error was retried

    result = CliRunner().invoke(app, ["batch", "status", batch_id])
    assert result.exit_code == 1
    assert "truyen-thanh-co-so" in result.output and "đã xong" in result.output
    assert (f"LỖI {failing} (tin bài —, định dạng bulletin, đơn vị ca-na-2025): RuntimeError: hỏng"
            in result.output.replace("\n", ""))
    status = json.loads((out / OUT_CAMPAIGN / "dot-3" / "status.json").read_text())
    assert status["failures"][0]["unit"] == "ca-na-2025"


def test_sigkilled_worker_mid_batch_another_worker_completes_it(redis_db, fakes, example_campaign, tmp_path):
    from jobs.submit import submit

    slow = "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin"
    control(tmp_path, slow=slow, slow_seconds=120)
    first = Worker("w1", tmp_path)
    second = None
    try:
        out = tmp_path / "out"
        batch_id, _ = submit(example_campaign, out, ["dot-1"])
        deadline = time.monotonic() + 30
        while f"start {slow}" not in render_log(tmp_path):
            assert time.monotonic() < deadline, "the slow job never started"
            time.sleep(0.05)
        time.sleep(0.2)  # well inside the write
        first.kill()
        target = out / OUT_CAMPAIGN / f"{slow}.txt"
        assert not target.exists() and list((out / OUT_CAMPAIGN / ".staging").rglob(".bulletin.txt.*.part*"))
        assert not (out / OUT_CAMPAIGN / "dot-1" / "manifest.json").exists()

        control(tmp_path)  # the job is not slow on the second machine
        second = Worker("w2", tmp_path)
        wait_finished(batch_id, timeout=90)
        assert_complete(out, example_campaign, "dot-1")
        starts = Counter(line.split(" ", 1)[1] for line in render_log(tmp_path) if line.startswith("start "))
        assert starts[slow] == 2  # ran again after the kill
        done = Counter(line.split(" ", 1)[1] for line in render_log(tmp_path) if line.startswith("done "))
        assert set(done.values()) == {1} and len(done) == 102  # every job finished exactly once
    finally:
        first.kill()
        if second:
            second.stop()


def test_sigkilled_pool_process_is_requeued_by_its_worker(worker, fakes, example_campaign, tmp_path):
    """acks_late + reject_on_worker_lost: the task whose process died runs again at once."""
    import subprocess

    from jobs.submit import submit

    slow = "dot-2-2/truyen-thanh-co-so/do-vinh-2025/bulletin-daily-2025-09-25-0700"
    control(tmp_path, slow=slow, slow_seconds=120)
    out = tmp_path / "out"
    batch_id, _ = submit(example_campaign, out, ["dot-2-2"])
    deadline = time.monotonic() + 30
    while f"start {slow}" not in render_log(tmp_path):
        assert time.monotonic() < deadline, "the slow job never started"
        time.sleep(0.05)
    control(tmp_path)
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(worker.proc.pid)], capture_output=True,
                              text=True).stdout.split()
    assert len(children) == 1
    os.kill(int(children[0]), signal.SIGKILL)
    wait_finished(batch_id, timeout=30)
    assert_complete(out, example_campaign, "dot-2-2")
    starts = Counter(line.split(" ", 1)[1] for line in render_log(tmp_path) if line.startswith("start "))
    assert starts[slow] == 2


def test_a_task_crashing_outside_the_render_marks_the_batch_failed(worker, tmp_path):
    """Not left 'queued' for ever: the manifest task's errback records the failure."""
    from celery import chord

    from jobs import batch
    from jobs.submit import wait
    from jobs.tasks import batch_failed, finish, render

    batch.create("crash", {"id": "crash", "out": str(tmp_path), "state": "queued", "todo": 1}, [])
    bad_job = {"phase": "dot-1"}  # no id: the task fails before it reaches the renderer
    chord([render.s("crash", str(tmp_path), str(tmp_path), {}, bad_job)],
          finish.s("crash").on_error(batch_failed.s("crash"))).apply_async()
    meta = wait("crash", timeout=30)
    assert meta["state"] == "failed" and "lỗi hệ thống" in meta["error"] and "KeyError" in meta["error"]


def test_a_job_that_keeps_killing_its_worker_fails_after_the_limit(worker, fakes, example_campaign, tmp_path):
    """Requeued on every worker loss, but only so often: the batch ends, that job failed, the rest done."""
    from jobs import batch
    from jobs.submit import submit

    killer = "dot-3/truyen-thanh-co-so/ca-na-2025/bulletin"
    control(tmp_path, kill=killer)
    out = tmp_path / "out"
    batch_id, _ = submit(example_campaign, out, ["dot-3"])
    meta = wait_finished(batch_id, timeout=60)
    assert meta["failures"] == 1
    assert_complete(out, example_campaign, "dot-3", skip=(killer,))
    starts = Counter(line.split(" ", 1)[1] for line in render_log(tmp_path) if line.startswith("start "))
    assert starts[killer] == 3  # killed its worker's process three times, then not run again
    states = batch.jobs(batch_id)
    assert states[killer]["state"] == "failed" and states[killer]["lost"] == 3
    assert "làm worker dừng đột ngột 3 lần" in states[killer]["error"]
    assert {j["state"] for job_id, j in states.items() if job_id != killer} == {"done"}
    status = json.loads((out / OUT_CAMPAIGN / "dot-3" / "status.json").read_text())
    assert [f["job"] for f in status["failures"]] == [killer]
