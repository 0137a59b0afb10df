"""Celery tasks: render one job, upload its files, write the manifests, publish.

A phase batch is the canvas ``chord(group(render [| upload]), finish) [| publish]``:
``upload`` copies each job's files to a store shared by the workers (when the output
folder is not shared), ``publish`` is ``studio publish`` (signed manifest last).
Each task is a thin wrapper over the function ``studio build`` runs in-process
(``studio.build.execute``, ``studio.build.finish_phases``), plus bookkeeping in the
batch record so ``studio batch status`` can tell what happened.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import redis
from celery import shared_task

from studio import locks
from studio.build import context_for, execute, failure_record, finish_phases
from studio.storage import StorageError, open_storage

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


@lru_cache(maxsize=8)
def _storage(url: str):
    """One storage client per worker process (an S3 client is costly to build)."""
    return open_storage(url)


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@shared_task(name="studio.render", **TASK)
def render(self, batch_id: str, campaign_root: str, out: str, options: dict, job: dict) -> dict:
    """Render one job (the same ``execute`` as the in-process build).

    A job whose worker died under it is delivered again (acks late, rejected on worker
    loss); after ``max_worker_losses`` such deaths it fails instead, so a job that
    reliably kills its worker cannot loop for ever.
    """
    job_id = job["id"]
    plain = {k: v for k, v in job.items() if k != "id"}
    lost = batch.start_job(batch_id, job_id, worker=self.request.hostname, attempt=self.request.retries + 1)
    limit = self.app.conf.studio_max_worker_losses
    if lost >= limit:
        batch.set_job(batch_id, job_id, batch.FAILED, out=out, error=(
            f"việc {job_id} làm worker dừng đột ngột {lost} lần (tiến trình bị giết, hết bộ nhớ hoặc lỗi thư viện); "
            f"không chạy lại nữa. Sửa tin bài hoặc mẫu của việc này rồi gửi lại lô "
            f"(giới hạn đặt bằng STUDIO_MAX_WORKER_LOSSES, hiện là {limit})"))
        return {"job": job_id, "ok": False}
    try:
        artifacts = execute(campaign_root, out, options, plain)  # hashes the inputs it renders from
    except RETRYABLE as exc:
        if self.request.retries < self.max_retries:
            batch.set_job(batch_id, job_id, batch.RETRYING, out=out, error=_error(exc))
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
        batch.set_job(batch_id, job_id, batch.FAILED, out=out, error=_error(exc))
        return {"job": job_id, "ok": False}
    except Exception as exc:  # reported per job; one failure does not stop the batch
        batch.set_job(batch_id, job_id, batch.FAILED, out=out, error=_error(exc))
        return {"job": job_id, "ok": False}
    batch.set_job(batch_id, job_id, batch.DONE, out=out, artifacts=artifacts, error=None)
    return {"job": job_id, "ok": True}


@shared_task(name="studio.upload", **TASK)
def upload(self, result: dict, batch_id: str, out_root: str, campaign_id: str, storage_url: str) -> dict:
    """Copy a rendered job's files to shared storage (skipping objects already there)."""
    if not result.get("ok"):
        return result
    state = batch.jobs(batch_id).get(result["job"], {})
    try:
        storage = _storage(storage_url)
        for art in state.get("artifacts", []):
            key = f"{campaign_id}/{art['path']}"
            info = storage.info(key)
            if info is None or info.size != art["bytes"] or (info.sha256 and info.sha256 != art["sha256"]):
                storage.put_file(key, Path(out_root) / art["path"], art["media_type"], art["sha256"])
    except RETRYABLE as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
        batch.set_job(batch_id, result["job"], batch.FAILED, out=str(Path(out_root).parent),
                      error=f"tải lên thất bại: {_error(exc)}", force=True)
        return {**result, "ok": False}
    batch.set_job(batch_id, result["job"], batch.DONE, out=str(Path(out_root).parent), uploaded=True)
    return result


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
    states = batch.jobs(batch_id)
    storage_url = meta.get("storage")
    waiting = [j for j in states.values()
               if j["state"] not in batch.FINAL or (storage_url and j["state"] == batch.DONE and not j.get("uploaded"))]
    if waiting:
        if self.request.retries * FINISH_RETRY > FINISH_WAIT:
            batch.update_meta(batch_id, state="failed", error=f"{len(waiting)} việc không bao giờ xong, "
                              f"ví dụ {waiting[0]['id']}: chạy lại lô để tạo phần còn thiếu")
            return {"batch": batch_id, "failed": True}
        raise self.retry(countdown=FINISH_RETRY, max_retries=None)
    ctx = context_for(meta["campaign_root"], meta["out"], meta["options"])
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
    """The batch's manifests by ``finish_phases`` (copied to shared storage if there is one)."""
    batch.update_meta(batch_id, state="writing")
    storage_url = meta.get("storage")
    try:
        fresh: dict[str, list[dict]] = {}
        failures = []
        for job in sorted(states.values(), key=lambda j: j["id"]):
            if job["state"] == batch.DONE:
                fresh.setdefault(job["phase"], []).extend(job["artifacts"])
            else:
                failures.append(failure_record(job, job.get("error") or "không rõ lỗi"))
        # With shared storage the output folder need not be shared: the upload tasks vouch for the files.
        manifests = finish_phases(ctx, meta["phases"], batch.kept(batch_id), fresh, failures,
                                  check_files=not storage_url)
        if storage_url:
            storage = _storage(storage_url)
            for path in manifests + [p.with_name("status.json") for p in manifests]:
                key = f"{ctx.campaign.id}/{path.relative_to(ctx.out_root).as_posix()}"
                storage.put_bytes(key, path.read_bytes(), "application/json")
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
