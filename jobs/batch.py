"""The batch record in Redis: what a batch is, and the state of each of its jobs.

The record, not Celery's chord counter, is the truth about a batch: a task delivered
twice (its worker vanished after finishing) only rewrites its own job's entry, and
the manifest task writes nothing until every job in the record is done or failed.

Keys (expiring after ``TTL``): ``studio:batch:<id>`` (hash: ``meta`` JSON),
``studio:batch:<id>:jobs`` (hash: job id → JSON state), ``studio:batches`` (ids by time).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from functools import lru_cache

import redis

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


def create(batch_id: str, meta: dict, jobs: list[dict], kept: dict[str, list[dict]] | None = None) -> None:
    """Store a batch: its description, every job to render (all pending), and the
    artifacts kept from earlier builds (apart, so that polling the meta stays cheap)."""
    r = client()
    with r.pipeline() as pipe:
        pipe.hset(_key(batch_id), mapping={"meta": json.dumps(meta, ensure_ascii=False),
                                           "kept": json.dumps(kept or {}, ensure_ascii=False)})
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
    r = client()
    data = meta(batch_id) or {}
    data.update(changes)
    r.hset(_key(batch_id), "meta", json.dumps(data, ensure_ascii=False))


def jobs(batch_id: str) -> dict[str, dict]:
    return {k: json.loads(v) for k, v in client().hgetall(_key(batch_id, ":jobs")).items()}


def set_job(batch_id: str, job_id: str, state: str, force: bool = False, **fields) -> None:
    """Record a job's new state; a job that is already done stays done unless ``force``."""
    r = client()
    key = _key(batch_id, ":jobs")
    raw = r.hget(key, job_id)
    current = json.loads(raw) if raw else {"id": job_id}
    if current.get("state") == DONE and state != DONE and not force:
        return
    newly_settled = state in FINAL and current.get("state") not in FINAL
    current.update(fields, state=state, at=time.time())
    with r.pipeline() as pipe:
        pipe.hset(key, job_id, json.dumps(current, ensure_ascii=False))
        if newly_settled:  # a cheap progress counter for clients that poll
            pipe.incr(_key(batch_id, ":settled")).expire(_key(batch_id, ":settled"), TTL)
        pipe.execute()


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
        current = json.loads(raw) if raw else {"id": job_id}
        lost = current.get("lost", 0) + (current.get("state") == STARTED and current.get("attempt") == attempt)
        if current.get("state") != DONE:
            current.update(fields, state=STARTED, attempt=attempt, lost=lost, at=time.time())
        pipe.multi()
        pipe.hset(key, job_id, json.dumps(current, ensure_ascii=False))
        return lost

    return client().transaction(update, key, value_from_callable=True)


def settled(batch_id: str) -> int:
    """How many jobs are done or failed (for progress bars)."""
    return int(client().get(_key(batch_id, ":settled")) or 0)


def summary(batch_id: str) -> dict[str, Counter]:
    """Job states counted per channel."""
    out: dict[str, Counter] = {}
    for job in jobs(batch_id).values():
        out.setdefault(job["channel"], Counter())[job["state"]] += 1
    return out


def recent(limit: int = 20) -> list[str]:
    return client().zrevrange("studio:batches", 0, limit - 1)
