"""Two Celery workers that share nothing but Redis and an S3 bucket (real SeaweedFS), each
rendering into its own empty folder, as two machines would (issue 18)."""
# ruff: noqa: F811  (the fixtures imported below are test parameters)

import hashlib
import json
from collections import Counter

import pytest
from jobs_env import Worker, control, fakes, redis_db, render_log  # noqa: F401  (fixtures)
from s3fixtures import *  # noqa: F403  (fixtures: bucket, admin_env, reader_state)
from s3fixtures import s3_client

from studio.plan import expand

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

CAMPAIGN = "ninh-thuan-2025"
PHASE = "dot-1"


def wait_finished(batch_id: str, timeout: float = 90) -> dict:
    from jobs.submit import wait

    meta = wait(batch_id, timeout=timeout, poll=0.1)
    assert meta["state"] == "finished", meta
    return meta


def stored(bucket: str, key: str) -> bytes:
    return s3_client().get_object(Bucket=bucket, Key=f"studio/{key}")["Body"].read()


def starts(workdir) -> Counter:
    return Counter(line.split(" ", 1)[1] for line in render_log(workdir) if line.startswith("start "))


@pytest.fixture
def two_workers(tmp_path, redis_db, bucket):
    workers = [Worker(name, tmp_path, env={"STUDIO_SCRATCH": str(tmp_path / f"machine-{name}")})
               for name in ("w1", "w2")]
    yield workers
    for w in workers:
        w.stop()


def test_two_workers_share_only_the_store(two_workers, fakes, example_campaign, bucket, tmp_path):
    from jobs import batch
    from jobs.submit import submit

    control(tmp_path, tts=True, tts_seconds=0.5)
    storage = f"s3://{bucket}/studio"
    out = tmp_path / "submitter"  # the machine that submits: it renders nothing
    batch_id, report = submit(example_campaign, out, [PHASE], storage=storage)
    assert report.planned == 102 and report.reused == 0
    meta = wait_finished(batch_id)
    assert meta["failures"] == 0

    # the batch completed; every job rendered once, by whichever machine took its work unit
    planned = {j.id for j in expand(example_campaign, [PHASE])}
    assert set(starts(tmp_path)) == planned and set(starts(tmp_path).values()) == {1}
    states = batch.jobs(batch_id)
    bulletins = {j["worker"] for j in states.values() if j["format"] == "bulletin"}
    assert bulletins == {"w1@test", "w2@test"}, "both machines must render bulletins for the sharing to be tested"

    # every artifact in the bucket matches the manifest, which is in the bucket too
    manifest = json.loads((out / CAMPAIGN / PHASE / "manifest.json").read_text())
    assert {a["job"] for a in manifest["artifacts"]} == planned
    for art in manifest["artifacts"]:
        assert hashlib.sha256(stored(bucket, f"{CAMPAIGN}/{art['path']}")).hexdigest() == art["sha256"]
    assert json.loads(stored(bucket, f"{CAMPAIGN}/{PHASE}/manifest.json")) == manifest
    here = {p.name for p in (out / CAMPAIGN).rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert here == {"manifest.json", "status.json"}  # nothing rendered where it was submitted

    # the segment shared by 62 bulletins was synthesised once across both machines: the
    # other machine downloaded it from the store (it is in both machines' own caches)
    assert [line for line in render_log(tmp_path) if line.startswith("tts ")] == [f"tts {PHASE}"]
    for name in ("w1", "w2"):
        assert len(list((tmp_path / f"machine-{name}" / ".cache").rglob("*.txt"))) == 1, name

    # a second submit, from a new empty folder, renders nothing and gives the same manifest
    again, report = submit(example_campaign, tmp_path / "elsewhere", [PHASE], storage=storage)
    assert report.reused == 102 and report.planned == 102
    wait_finished(again)
    assert batch.jobs(again) == {} and sum(starts(tmp_path).values()) == 102
    assert json.loads((tmp_path / "elsewhere" / CAMPAIGN / PHASE / "manifest.json").read_text()) == manifest

    # an artifact deleted from the bucket: exactly that job is rendered again
    gone = next(a for a in manifest["artifacts"] if a["format"] == "pano-4000x2000")
    s3_client().delete_object(Bucket=bucket, Key=f"studio/{CAMPAIGN}/{gone['path']}")
    third, report = submit(example_campaign, out, [PHASE], storage=storage)
    assert report.reused == 101
    wait_finished(third)
    assert set(batch.jobs(third)) == {gone["job"]}
    assert starts(tmp_path)[gone["job"]] == 2 and sum(starts(tmp_path).values()) == 103
    assert hashlib.sha256(stored(bucket, f"{CAMPAIGN}/{gone['path']}")).hexdigest() == gone["sha256"]
    assert json.loads((out / CAMPAIGN / PHASE / "manifest.json").read_text()) == manifest


def test_work_units_group_alike_jobs_and_feed_a_window_at_a_time(redis_db, example_campaign, tmp_path, monkeypatch):
    """Jobs of one brief and format share a task (at most STUDIO_TASK_JOBS); the broker holds at most
    STUDIO_SUBMIT_WINDOW tasks of the batch, the rest waits in the batch's backlog."""
    import redis
    from jobs_env import BROKER

    from jobs import batch
    from jobs.app import make_app
    from jobs.settings import Settings
    from jobs.submit import submit, work_units

    jobs = [{**j.to_dict(), "id": j.id} for j in expand(example_campaign, [PHASE])]
    units = work_units(jobs, 20)
    assert sorted(len(u) for u in units if u[0]["format"] == "bulletin") == [2, 20, 20, 20]
    assert all(len({(j["brief"], j["format"]) for j in u}) == 1 for u in units)
    assert sorted(j["id"] for u in units for j in u) == sorted(j["id"] for j in jobs)

    monkeypatch.setenv("STUDIO_TASK_JOBS", "5")
    monkeypatch.setenv("STUDIO_SUBMIT_WINDOW", "3")
    make_app(Settings.from_env())
    try:
        from jobs import tasks
        from jobs.app import current
        from jobs.tasks import feed_once

        batch_id, report = submit(example_campaign, tmp_path / "out", [PHASE])
        backlog = f"studio:batch:{batch_id}:backlog"
        client = batch.client()
        total = client.llen(backlog)
        assert total == len(work_units(jobs, 5))
        token = client.get(f"studio:batch:{batch_id}:feeder")
        broker = redis.Redis.from_url(BROKER)
        broker.delete("celery")  # the feed message submit sent: run the feeder here instead, no worker
        assert feed_once(current().conf, batch_id, token) == "more"
        assert broker.llen("celery") == 3 and client.llen(backlog) == total - 3  # a window, no more
        body = json.loads(broker.lindex("celery", 0))
        assert body["headers"]["task"] == "studio.render_group"
        assert feed_once(current().conf, batch_id, token) == "more"
        assert broker.llen("celery") == 3, "nothing settled yet: the window is full"
        client.incrby(f"studio:batch:{batch_id}:settled", 5)
        assert feed_once(current().conf, batch_id, token) == "more"  # five jobs settled: one more unit
        assert broker.llen("celery") == 4 and client.llen(backlog) == total - 4
        assert feed_once(current().conf, batch_id, "an older feeder") == "stopped"
        assert client.llen(backlog) == total - 4, "a stale feeder takes nothing off the backlog"

        # The feeder's worker is killed while it hands a window over: the units it had not sent yet
        # stay in the backlog and the next look sends them; none is lost.
        client.incrby(f"studio:batch:{batch_id}:settled", 15)  # three more units' room
        sent = _units_in(broker)
        calls = {"n": 0}
        real = tasks.render_group.si

        def killed_after_one(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt  # what a worker killed mid-loop amounts to, for this loop
            return real(*args, **kwargs)

        monkeypatch.setattr(tasks.render_group, "si", killed_after_one)
        with pytest.raises(KeyboardInterrupt):
            feed_once(current().conf, batch_id, token)
        monkeypatch.setattr(tasks.render_group, "si", real)
        assert client.llen(backlog) == total - 4, "nothing leaves the backlog before it is in the broker"
        client.incrby(f"studio:batch:{batch_id}:settled", 10_000)  # let the rest through
        while feed_once(current().conf, batch_id, token) == "more":
            pass
        everything = _units_in(broker)
        assert set(everything) == {tuple(j["id"] for j in u) for u in work_units(jobs, 5)}
        assert len(everything) - len(set(everything)) == 1, "the one unit sent before the kill, sent again"
        assert sent == everything[:4]
    finally:
        monkeypatch.undo()
        make_app(Settings.from_env())


def _units_in(broker) -> list[tuple[str, ...]]:
    """The job ids of each render_group message waiting in the broker, oldest first."""
    import base64

    units = []
    for raw in reversed(broker.lrange("celery", 0, -1)):  # kombu pushes to the head
        message = json.loads(raw)
        if message["headers"]["task"] == "studio.render_group":
            args = json.loads(base64.b64decode(message["body"]))[0]
            units.append(tuple(j["id"] for j in args[4]))
    return units
