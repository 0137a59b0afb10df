"""The batch record: what a batch is, and the state of each of its jobs.

The record, not Celery's chord counter, is the truth about a batch: a task delivered
twice (its worker vanished after finishing) only rewrites its own job's entry, and
the manifest task writes nothing until every job in the record is done or failed.

It lives in two places. Redis (keys expiring after ``TTL``): ``studio:batch:<id>``
(hash: ``meta`` and ``kept`` JSON), ``studio:batch:<id>:jobs`` (hash: job id → JSON
state), ``studio:batches`` (ids by time): what workers update and clients poll.
And a copy in the output folder, ``<out>/.cache/batches/<id>/`` beside the job journal
(``meta.json``, ``plan.json``: kept artifacts and planned jobs, ``jobs/<hash>.json``: one
file per settled job, so workers never rewrite each other's files), written atomically
as the batch is created, as each job settles and as its state changes: a Redis that
restarts without persistence loses the first, not the second, so ``studio batch
status`` can still tell what happened and ``studio batch resume`` can finish the batch.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections import Counter
from functools import lru_cache
from pathlib import Path

import redis

from studio.artifacts import atomic_write_json

from .settings import Settings

TTL = 30 * 24 * 3600
PENDING, STARTED, RETRYING, DONE, FAILED = "pending", "started", "retrying", "done", "failed"
FINAL = {DONE, FAILED}


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def store_url() -> str:
    """Batch records live in ``STUDIO_BATCH_STORE``, by default the result backend's Redis."""
    return Settings.from_env().store_url


def client() -> redis.Redis:
    url = store_url()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise RuntimeError(f"STUDIO_BATCH_STORE phải là một địa chỉ Redis (redis://…), nhận được {url!r}")
    return _client(url)


def _key(batch_id: str, suffix: str = "") -> str:
    return f"studio:batch:{batch_id}{suffix}"


def new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


# --- the copy in the output folder ----------------------------------------------------

def _batches(out: str | Path) -> Path:
    return Path(out) / ".cache" / "batches"


def folder(out: str | Path, batch_id: str) -> Path:
    """Where the batch's record is kept in the output folder (next to the job journal)."""
    return _batches(out) / batch_id


def _job_file(out: str | Path, batch_id: str, job_id: str) -> Path:
    return folder(out, batch_id) / "jobs" / f"{hashlib.sha256(job_id.encode()).hexdigest()[:24]}.json"


def _write_folder(meta: dict, kept: dict, jobs: list[dict]) -> None:
    """A fresh copy (a resumed batch starts its job files again); copies older than ``TTL`` go."""
    home = folder(meta["out"], meta["id"])
    for old in _batches(meta["out"]).glob("*/meta.json"):
        if old.stat().st_mtime < time.time() - TTL:
            shutil.rmtree(old.parent, ignore_errors=True)
    shutil.rmtree(home / "jobs", ignore_errors=True)
    atomic_write_json(home / "plan.json", {"kept": kept, "jobs": jobs})
    atomic_write_json(home / "meta.json", meta)


def from_folder(out: str | Path, batch_id: str) -> dict | None:
    """The record as the output folder keeps it: ``{"meta", "kept", "jobs"}`` (planned jobs not
    settled there are pending), or None when the folder has no copy of this batch."""
    home = folder(out, batch_id)
    try:
        meta = json.loads((home / "meta.json").read_text(encoding="utf-8"))
        plan = json.loads((home / "plan.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    states = {j["id"]: {**j, "state": PENDING} for j in plan["jobs"]}
    for path in (home / "jobs").glob("*.json"):
        job = json.loads(path.read_text(encoding="utf-8"))
        if job["id"] in states:  # not a late delivery of a job a resume no longer plans
            states[job["id"]] = {**states[job["id"]], **job}
    return {"meta": meta, "kept": plan["kept"], "jobs": states}


def saved_batches(out: str | Path) -> list[str]:
    """Ids of the batches the output folder keeps a record of, newest first."""
    return sorted((p.parent.name for p in _batches(out).glob("*/meta.json")), reverse=True)


# --- Redis, mirrored ------------------------------------------------------------------

def create(batch_id: str, meta: dict, jobs: list[dict], kept: dict[str, list[dict]] | None = None) -> None:
    """Store a batch: its description (with ``out``, the output folder), every job to render
    (all pending), and the artifacts kept from earlier builds (apart, so that polling the
    meta stays cheap). Sending a batch again under its id (a resume) starts its record afresh."""
    kept = kept or {}
    _write_folder(meta, kept, jobs)
    r = client()
    with r.pipeline() as pipe:
        pipe.delete(_key(batch_id), _key(batch_id, ":jobs"), _key(batch_id, ":settled"))
        pipe.hset(_key(batch_id), mapping={"meta": json.dumps(meta, ensure_ascii=False),
                                           "kept": json.dumps(kept, ensure_ascii=False)})
        if jobs:
            pipe.hset(_key(batch_id, ":jobs"), mapping={
                j["id"]: json.dumps({**j, "state": PENDING}, ensure_ascii=False) for j in jobs})
        pipe.zadd("studio:batches", {batch_id: time.time()})
        pipe.expire(_key(batch_id), TTL).expire(_key(batch_id, ":jobs"), TTL)
        pipe.execute()


def meta(batch_id: str) -> dict | None:
    raw = client().hget(_key(batch_id), "meta")
    return json.loads(raw) if raw else None


def kept(batch_id: str) -> dict[str, list[dict]]:
    """Artifacts already up to date when the batch was planned, by phase."""
    return json.loads(client().hget(_key(batch_id), "kept") or "{}")


def update_meta(batch_id: str, **changes) -> None:
    """Change the batch's state, in Redis and in the output folder; a record Redis lost is not
    made up again from the changes alone (``studio batch resume`` restores it)."""
    data = meta(batch_id)
    if data is None:
        return
    data.update(changes)
    atomic_write_json(folder(data["out"], batch_id) / "meta.json", data)
    client().hset(_key(batch_id), "meta", json.dumps(data, ensure_ascii=False))


def jobs(batch_id: str) -> dict[str, dict]:
    return {k: json.loads(v) for k, v in client().hgetall(_key(batch_id, ":jobs")).items()}


def settled_jobs(batch_id: str, job_ids: list[str]) -> dict[str, str]:
    """Which of ``job_ids`` are already done or failed (id → state): one request for a work unit."""
    raws = client().hmget(_key(batch_id, ":jobs"), job_ids) if job_ids else []
    states = {job_id: json.loads(raw)["state"] for job_id, raw in zip(job_ids, raws, strict=True) if raw}
    return {job_id: state for job_id, state in states.items() if state in FINAL}


def set_job(batch_id: str, job_id: str, state: str, out: str, force: bool = False, **fields) -> None:
    """Record a job's new state; a job that is already done stays done unless ``force``.

    A settled job is written to the output folder's copy (``out``) first, so its outcome
    is kept even when Redis is down at that moment or has lost the batch. Redis is then
    waited for (``_patiently``) rather than the task failing, whose retry would render the
    job again; a job Redis has no entry for (the batch lost, or sent again without it)
    gets none.
    """
    if state in FINAL:
        _settle_in_folder(out, batch_id, job_id, state, force, fields)
    key = _key(batch_id, ":jobs")

    def settle() -> None:
        r = client()
        raw = r.hget(key, job_id)
        current = json.loads(raw) if raw else None
        if current is None or (current["state"] == DONE and state != DONE and not force):
            return
        newly_settled = state in FINAL and current["state"] not in FINAL
        current.update(fields, state=state, at=time.time())
        with r.pipeline() as pipe:
            pipe.hset(key, job_id, json.dumps(current, ensure_ascii=False))
            if newly_settled:  # a cheap progress counter for clients that poll
                pipe.incr(_key(batch_id, ":settled")).expire(_key(batch_id, ":settled"), TTL)
            pipe.execute()

    _patiently(settle)


def _patiently(call, seconds: float = 30):
    """``call()``, tried again while Redis does not answer (a restart takes a few seconds), then given up."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _settle_in_folder(out: str, batch_id: str, job_id: str, state: str, force: bool, fields: dict) -> None:
    """The folder's copy of one job, by the same rule as Redis's: done stays done unless ``force``."""
    path = _job_file(out, batch_id, job_id)
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        current = {"id": job_id}
    if current.get("state") == DONE and state != DONE and not force:
        return
    atomic_write_json(path, {**current, **fields, "state": state, "at": time.time()})


def start_job(batch_id: str, job_id: str, attempt: int, **fields) -> int:
    """Mark a job's ``attempt`` (Celery's retries + 1) started; return how many of its
    deliveries so far died with their worker.

    A delivery that finds the same attempt still ``started`` follows one whose worker
    vanished mid-job (the message was requeued, never settled): one more loss in ``lost``.
    A retry (a new attempt) is not a loss. A job already done stays done.
    """
    key = _key(batch_id, ":jobs")

    def update(pipe) -> int:
        raw = pipe.hget(key, job_id)
        pipe.multi()
        if raw is None:  # the batch lost, or sent again without this job: no half record
            return 0
        current = json.loads(raw)
        lost = current.get("lost", 0) + (current["state"] == STARTED and current.get("attempt") == attempt)
        if current["state"] != DONE:
            current.update(fields, state=STARTED, attempt=attempt, lost=lost, at=time.time())
        pipe.hset(key, job_id, json.dumps(current, ensure_ascii=False))
        return lost

    return client().transaction(update, key, value_from_callable=True)


def settled(batch_id: str) -> int:
    """How many jobs are done or failed (for progress bars)."""
    return int(client().get(_key(batch_id, ":settled")) or 0)


def summary(states: dict[str, dict]) -> dict[str, Counter]:
    """Job states (``jobs()`` or the folder's copy) counted per channel."""
    out: dict[str, Counter] = {}
    for job in states.values():
        out.setdefault(job["channel"], Counter())[job["state"]] += 1
    return out


def recent(limit: int = 20) -> list[str]:
    return client().zrevrange("studio:batches", 0, limit - 1)
