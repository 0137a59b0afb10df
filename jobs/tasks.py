"""Celery tasks: render a group of jobs, write the manifests, publish.

A phase batch is fed to the workers a window at a time (``jobs.submit.feed``): work units
of several jobs (``render_group``), then ``finish [| publish]`` once every job has settled;
``publish`` is ``studio publish`` (signed manifest last). With a store (``--storage``) each
job's files and journal record go to the store as it is rendered, so workers need not
share an output folder. Each task is a thin wrapper over the function ``studio build`` runs
in-process (``studio.build.execute``, ``studio.build.finish_phases``), plus bookkeeping in
the batch record so ``studio batch status`` can tell what happened.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timezone
from pathlib import Path

import redis
from celery import shared_task

from studio import locks
from studio.build import context_for, execute, failure_record, finish_phases
from studio.storage import StorageError

from . import batch

# Errors worth trying again (a storage hiccup, a dropped connection); anything else
# is a problem with the brief or the renderer and is reported, not retried.
RETRYABLE = (StorageError, ConnectionError, TimeoutError)
# Redis (batch record) unreachable while a task does its bookkeeping: Celery retries the task.
INFRA = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
MAX_RETRIES = 5
FINISH_RETRY = 2  # seconds between the manifest task's checks (jobs settled, output folder free)
FINISH_WAIT = 24 * 3600  # seconds the manifest task waits for jobs that never settle
TASK = {"bind": True, "max_retries": MAX_RETRIES, "autoretry_for": INFRA, "retry_backoff": True}


def backoff(retries: int) -> float:
    """Exponential backoff with jitter: about 1, 2, 4, 8, 16 s, capped at one minute."""
    return min(60.0, 2.0 ** retries) * (0.5 + random.random() / 2)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@shared_task(name="studio.render", **TASK)
def render(self, batch_id: str, campaign_root: str, out: str, options: dict, job: dict,
           storage: str | None = None) -> dict:
    """Render one job (a group of one: messages sent before groups existed still run)."""
    return _render(self, batch_id, campaign_root, out, options, [job], storage, lambda rest: None)


@shared_task(name="studio.render_group", **TASK)
def render_group(self, batch_id: str, campaign_root: str, out: str, options: dict, jobs: list[dict],
                 storage: str | None = None) -> dict:
    """Render a work unit: jobs of one brief and format (e.g. its communes), one after the other,
    so that the task's overhead (a message, a campaign check, a store client) is paid once for
    several jobs and what they share (TTS segments, stills) is made once in one process. Each
    job is still done or failed on its own in the batch record; one failure fails only that job."""
    return _render(self, batch_id, campaign_root, out, options, jobs, storage,
                   lambda rest: (batch_id, campaign_root, out, options, rest, storage))


def _render(task, batch_id: str, campaign_root: str, out: str, options: dict, jobs: list[dict],
            storage: str | None, args_for) -> dict:
    """The jobs, each by the same ``execute`` as the in-process build.

    A job whose worker died under it is delivered again (acks late, rejected on worker
    loss); after ``max_worker_losses`` such deaths it fails instead, so a job that
    reliably kills its worker cannot loop for ever. A delivery again of a group skips the
    jobs the batch record already has settled; a storage error is retried (``args_for``:
    the task's arguments for the jobs not done yet, None for the same arguments).

    With a store (``storage``) the worker renders into its own scratch folder
    (``STUDIO_SCRATCH``, or the batch's output folder if unset) and the job counts as done
    once its files and its journal record are in the store.
    """
    conf = task.app.conf
    where = conf.studio_scratch if storage and conf.studio_scratch else out
    cache_lock = _cache_lock if storage else None
    settled = batch.settled_jobs(batch_id, [j["id"] for j in jobs])
    results = []
    for n, job in enumerate(jobs):
        job_id = job["id"]
        if job_id in settled:  # this group was delivered again after its worker died
            results.append({"job": job_id, "ok": settled[job_id] == batch.DONE})
            continue
        plain = {k: v for k, v in job.items() if k != "id"}
        lost = batch.start_job(batch_id, job_id, worker=task.request.hostname, attempt=task.request.retries + 1)
        limit = conf.studio_max_worker_losses
        if lost >= limit:
            batch.set_job(batch_id, job_id, batch.FAILED, out=out, error=(
                f"việc {job_id} làm worker dừng đột ngột {lost} lần (tiến trình bị giết, hết bộ nhớ hoặc lỗi thư "
                f"viện); không chạy lại nữa. Sửa tin bài hoặc mẫu của việc này rồi gửi lại lô "
                f"(giới hạn đặt bằng STUDIO_MAX_WORKER_LOSSES, hiện là {limit})"))
            results.append({"job": job_id, "ok": False})
            continue
        try:
            # hashes the inputs it renders from; with a store, uploads the files and the journal record
            artifacts = execute(campaign_root, where, options, plain, storage, cache_lock)
        except RETRYABLE as exc:
            if task.request.retries < task.max_retries:
                batch.set_job(batch_id, job_id, batch.RETRYING, out=out, error=_error(exc))
                raise task.retry(args=args_for(jobs[n:]), exc=exc, countdown=backoff(task.request.retries)) from exc
            batch.set_job(batch_id, job_id, batch.FAILED, out=out, error=_error(exc))
            results.append({"job": job_id, "ok": False})
            continue
        except Exception as exc:  # reported per job; one failure does not stop the batch
            batch.set_job(batch_id, job_id, batch.FAILED, out=out, error=_error(exc))
            results.append({"job": job_id, "ok": False})
            continue
        batch.set_job(batch_id, job_id, batch.DONE, out=out, artifacts=artifacts, error=None)
        results.append({"job": job_id, "ok": True})
    return results[0] if len(results) == 1 else {"jobs": results}


CACHE_LOCK_SECONDS = 600  # longest a shared item (a TTS segment, a still) may take to make


def _cache_lock(key: str):
    """A lock across machines on one shared-cache entry: the second worker to need it waits,
    then downloads it from the store instead of making it again."""
    return batch.client().lock(f"studio:cache:{key}", timeout=CACHE_LOCK_SECONDS,
                               blocking_timeout=CACHE_LOCK_SECONDS)


# --- feeding a batch to the broker a window at a time ---------------------------------
# The work units wait in a Redis list beside the batch record (``studio:batch:<id>:backlog``),
# not in the broker: the broker holds at most ``STUDIO_SUBMIT_WINDOW`` × ``STUDIO_TASK_JOBS``
# unsettled jobs of a batch (``STUDIO_SUBMIT_WINDOW`` full work units) at once, whatever its size.
# One ``feed`` task per batch (its token in ``:feeder``; a resumed batch gets a new one and the
# old feeder stops) tops the window up as jobs settle, then sends ``finish``.

FEED_POLL = 1.0  # seconds between the feeder's looks at the batch's progress


def _feed_key(batch_id: str, part: str) -> str:
    return f"studio:batch:{batch_id}:{part}"


def enqueue(batch_id: str, units: list[list[dict]], publish_to: str | None) -> None:
    """Put a batch's work units in its backlog and start its feeder (or, with nothing to
    render, send the manifest step at once)."""
    if not units:
        _tail(batch_id, publish_to).apply_async()
        return
    token = uuid.uuid4().hex
    backlog = _feed_key(batch_id, "backlog")
    with batch.client().pipeline() as pipe:
        pipe.delete(backlog, _feed_key(batch_id, "sent"))
        for start in range(0, len(units), 500):
            pipe.rpush(backlog, *(json.dumps(u, ensure_ascii=False) for u in units[start:start + 500]))
        pipe.expire(backlog, batch.TTL)
        pipe.set(_feed_key(batch_id, "feeder"), token, ex=batch.TTL)
        pipe.execute()
    feed.delay(batch_id, token)


def _tail(batch_id: str, publish_to: str | None):
    tail = finish.si([], batch_id).on_error(batch_failed.s(batch_id))
    return tail | publish.s(batch_id) if publish_to else tail


@shared_task(name="studio.feed", **{**TASK, "max_retries": None}, ignore_result=True)
def feed(self, batch_id: str, token: str) -> None:
    """The batch's feeder: tops the window up, and looks again every ``FEED_POLL`` seconds
    until the backlog is empty."""
    if feed_once(self.app.conf, batch_id, token) == "more":
        raise self.retry(countdown=FEED_POLL, max_retries=None)


def feed_once(conf, batch_id: str, token: str) -> str:
    """Send the batch's next work units while fewer than the window's jobs are unsettled;
    once the backlog is empty, send ``finish`` (which waits for the last jobs itself).
    Returns ``more`` (units still wait), ``done``, or ``stopped`` (the batch is gone, or was
    sent again with a feeder of its own)."""
    r = batch.client()
    meta = batch.meta(batch_id)
    if meta is None or r.get(_feed_key(batch_id, "feeder")) != token:
        return "stopped"
    size = conf.studio_task_jobs
    unsettled = int(r.get(_feed_key(batch_id, "sent")) or 0) - batch.settled(batch_id)
    room = conf.studio_submit_window * size - unsettled
    units = [json.loads(u) for u in r.lrange(_feed_key(batch_id, "backlog"), 0, room // size - 1)] \
        if room >= size else []
    for unit in units:
        render_group.si(batch_id, meta["campaign_root"], meta["out"], meta["options"], unit,
                        meta.get("storage")).on_error(batch_failed.s(batch_id)).apply_async()
    if units and not _handed_over(r, batch_id, token, units):
        return "stopped"
    if r.llen(_feed_key(batch_id, "backlog")):
        return "more"
    r.delete(_feed_key(batch_id, "feeder"), _feed_key(batch_id, "sent"))
    _tail(batch_id, meta.get("publish_to")).apply_async()
    return "done"


def _handed_over(r, batch_id: str, token: str, units: list[list[dict]]) -> bool:
    """Take the units just sent off the backlog, in one transaction, if this is still the batch's
    feeder (a resumed batch has a new backlog and a feeder of its own).

    They leave the backlog only once they are in the broker: a feeder killed between the two
    leaves them there, and the next look sends them again. A unit may so be sent twice, which
    a job's record and the store make harmless (the finish step counts records, not messages);
    taken off first, it would be lost, and the batch would wait for it until ``FINISH_WAIT``.
    """
    feeder = _feed_key(batch_id, "feeder")
    with r.pipeline() as pipe:
        try:
            pipe.watch(feeder)
            if pipe.get(feeder) != token:
                return False
            pipe.multi()
            pipe.ltrim(_feed_key(batch_id, "backlog"), len(units), -1)
            pipe.incrby(_feed_key(batch_id, "sent"), sum(len(u) for u in units))
            pipe.execute()
        except redis.WatchError:
            return False
    return True


@shared_task(name="studio.finish", **{**TASK, "max_retries": None})
def finish(self, results: list, batch_id: str) -> dict:
    """Chord callback: write each phase's manifest once every job of the batch is settled.

    The batch record decides, not the chord count: if a redelivered task made the chord
    fire early, this task waits (retries) until the record says every job is done or failed.
    """
    meta = batch.meta(batch_id)
    if meta is None:  # the record expired or Redis was flushed: nothing to write a manifest from
        raise LookupError(f"không còn hồ sơ của lô {batch_id} trong Redis; chạy tiếp bằng: studio batch resume "
                          f"{batch_id} --out <thư mục đầu ra>")
    # The counter first: while it says jobs are out, reading every job's record (megabytes for a
    # national batch) every few seconds would be wasted; it may count a redelivered job twice, never
    # too few, so the records still decide.
    counted = batch.settled(batch_id) >= batch.planned(batch_id)
    timed_out = self.request.retries * FINISH_RETRY > FINISH_WAIT
    states = batch.jobs(batch_id) if counted or timed_out else {}
    waiting = [j for j in states.values() if j["state"] not in batch.FINAL]
    if waiting or not (counted or timed_out):
        if timed_out and waiting:
            batch.update_meta(batch_id, state="failed", error=f"{len(waiting)} việc không bao giờ xong, "
                              f"ví dụ {waiting[0]['id']}: chạy lại lô để tạo phần còn thiếu")
            return {"batch": batch_id, "failed": True}
        raise self.retry(countdown=FINISH_RETRY, max_retries=None)
    ctx = context_for(meta["campaign_root"], meta["out"], meta["options"], meta.get("storage"))
    try:
        with locks.exclusive(ctx.out_root, f"celery finish, lô {batch_id}"):  # one writer per output folder
            manifests, failures = _write_manifests(ctx, batch_id, meta, states)
    except locks.Busy:  # a `studio build` into the same folder: write once it is done
        raise self.retry(countdown=FINISH_RETRY, max_retries=None) from None
    summary = {"batch": batch_id, "manifests": [str(p) for p in manifests], "failures": len(failures),
               "rendered": sum(1 for j in states.values() if j["state"] == batch.DONE)}
    batch.update_meta(batch_id, state="publishing" if meta.get("publish_to") else "finished",
                      manifests=summary["manifests"], failures=len(failures),
                      finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return summary


def _write_manifests(ctx, batch_id: str, meta: dict, states: dict) -> tuple[list[Path], list[dict]]:
    """The batch's manifests by ``finish_phases`` (which copies them to the batch's store, if any)."""
    batch.update_meta(batch_id, state="writing")
    try:
        fresh: dict[str, list[dict]] = {}
        failures = []
        for job in sorted(states.values(), key=lambda j: j["id"]):
            if job["state"] == batch.DONE:
                fresh.setdefault(job["phase"], []).extend(job["artifacts"])
            else:
                failures.append(failure_record(job, job.get("error") or "không rõ lỗi"))
        manifests = finish_phases(ctx, meta["phases"], batch.kept(batch_id), fresh, failures)
    except Exception as exc:
        batch.update_meta(batch_id, state="failed", error=_error(exc),
                          finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        raise
    return manifests, failures


@shared_task(name="studio.publish", **TASK)
def publish(self, summary: dict, batch_id: str) -> dict:
    """After the manifests: the publisher uploads what is approved and signs (``studio publish``)."""
    from studio.publish.publish import publish as publish_phases

    meta = batch.meta(batch_id)
    ctx = context_for(meta["campaign_root"], meta["out"], meta["options"])
    try:
        reports = publish_phases(ctx.campaign, meta["phases"], Path(meta["out"]), meta["publish_to"], Path(meta["key"]),
                                 **(meta.get("publish_options") or {}))
    except (*RETRYABLE, locks.Busy) as exc:  # a storage hiccup, or a build writing the folder: wait and retry
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
        batch.update_meta(batch_id, state="failed", error=f"xuất bản thất bại: {_error(exc)}")
        raise
    except Exception as exc:  # PublishError says what to do; anything else is reported too
        batch.update_meta(batch_id, state="failed", error=f"xuất bản thất bại: {_error(exc)}")
        raise
    published = [{"phase": r.phase, "target": r.target, "uploaded": len(r.uploaded), "skipped": r.skipped,
                  "removed": len(r.removed), "kept": r.kept, "sequence": r.sequence, "warnings": r.warnings}
                 for r in reports]
    # Files a failed build lacks stay published at their last good version: finished, but say so.
    kept = sum(len(r.kept) for r in reports)
    batch.update_meta(batch_id, state="finished", published=published,
                      **({"warning": f"giữ bản đã xuất bản cũ của {kept} tệp mà bản build này thiếu"} if kept else {}))
    return {**summary, "published": published}


@shared_task(name="studio.batch_failed")
def batch_failed(request, exc, traceback, batch_id: str) -> None:
    """Errback of the manifest task: a task crashed outside the render (e.g. Redis gone for good)."""
    batch.update_meta(batch_id, state="failed", error=f"lỗi hệ thống, chưa ghi manifest: {_error(exc)}; "
                      "chạy lại lô (chỉ phần còn thiếu được tạo)")
