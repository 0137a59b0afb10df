"""Send a batch to the Celery workers and follow it.

Planning is the same ``plan_work`` as the in-process build, so a batch only holds
jobs that are not already up to date (manifest or journal), and the manifest task
lists those kept artifacts beside the fresh ones.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis
from celery import shared_task
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from studio import vi
from studio.build import BuildContext, BuildReport, failure_record, plan_work
from studio.campaign import Campaign
from studio.formats import FORMATS

from . import batch, beat
from .app import current
from .settings import Settings
from .tasks import enqueue


def submit(campaign: Campaign, out: str | Path, phase_ids: list[str] | None, options: dict | None = None,
           storage: str | None = None, publish_to: str | None = None, key: str | Path | None = None,
           batch_id: str | None = None, publish_options: dict | None = None) -> tuple[str, BuildReport]:
    """Plan, record the batch (Redis and the output folder) and send the canvas; return the batch id at once.

    ``storage``: the store that holds the batch (workers without a shared output folder): the
    plan looks jobs up in its journal, workers upload each job's files and record there;
    ``publish_to`` + ``key``: publish and sign once the manifests are written (``publish_options``:
    ``studio publish``'s feed settings, e.g. ``base_url``, ``local_feeds``);
    ``batch_id``: send a batch again under its id (``resume``).
    """
    current()  # a client makes its app (from the environment) before it builds the canvas
    out = Path(out).resolve()
    options = options or {}
    ctx = BuildContext(campaign, out, options, storage)
    todo, kept, report = plan_work(ctx, phase_ids)  # with a store: its journal, from any machine
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    sent = {"resumed_at": now} if batch_id else {"submitted_at": now}
    batch_id = batch_id or batch.new_id()
    root = str(Path(campaign.root).resolve())
    jobs = [{**job.to_dict(), "id": job.id} for job in todo]
    batch.create(batch_id, {
        "id": batch_id, "campaign": campaign.id, "campaign_root": root, "out": str(out), "options": options,
        "phases": report.phases, "requested": phase_ids,
        "planned": report.planned, "reused": report.reused, "todo": len(todo),
        "unsupported": report.unsupported, "storage": storage, "state": "queued",
        "publish_to": publish_to, "key": str(Path(key).resolve()) if key else None,
        "publish_options": publish_options or {}, **sent,
    }, jobs, kept)
    units = work_units(jobs, current().conf.studio_task_jobs)
    enqueue(batch_id, units, publish_to)
    return batch_id, report


def work_units(jobs: list[dict], size: int) -> list[list[dict]]:
    """Jobs grouped into render tasks: those of one phase, brief and format together (the
    communes of one bulletin, the districts of one pa nô: same template, same shared TTS items
    and stills), at most ``size`` (``STUDIO_TASK_JOBS``) per task, in the plan's order."""
    alike: dict[tuple, list[dict]] = {}
    for job in jobs:
        alike.setdefault((job["phase"], job["brief"], job["format"]), []).append(job)
    return [same[i:i + size] for same in alike.values() for i in range(0, len(same), size)]


def resume(campaign: Campaign, saved: dict) -> BuildReport:
    """Send a batch whose queued work was lost (Redis restarted) or that failed again, under its id.

    ``saved`` is its record's meta (Redis's or the output folder's copy). Planning is
    ``plan_work`` again, so every job that finished before is kept through its journal
    and only what is missing is rendered; the manifests then list each artifact once.
    """
    _, report = submit(campaign, saved["out"], saved["requested"], saved["options"], saved["storage"],
                       saved["publish_to"], saved["key"], batch_id=saved["id"],
                       publish_options=saved.get("publish_options"))
    return report


@shared_task(name="studio.tick", ignore_result=True)
def tick(campaign_root: str, out: str, grace_hours: float = 6, hour: int = 6) -> list[dict]:
    """Beat's guard task: submit the calendar runs that are due, report the missed ones (``jobs.beat``)."""
    return beat.run_due(campaign_root, out, submit, resume, grace_hours=grace_hours, hour=hour)


def wait(batch_id: str, on_progress=None, timeout: float | None = None, poll: float = 0.3) -> dict:
    """Block until the batch's manifests are written (or it failed, or ``timeout`` passed, or
    Redis lost its record: state ``lost``, as nothing will finish it then)."""
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        meta = batch.meta(batch_id)
        if meta is None:
            return {"id": batch_id, "state": "lost"}
        if on_progress:
            on_progress(min(batch.settled(batch_id), meta.get("todo", 0)), meta.get("todo", 0))
        if meta.get("state") in ("finished", "failed"):
            return meta
        if deadline and time.monotonic() > deadline:
            return {**meta, "state": "timeout"}
        time.sleep(poll)


def failures(states: dict[str, dict]) -> list[dict]:
    """The failed jobs of a batch's job states (``batch.jobs`` or the folder's copy), as reported everywhere."""
    return [failure_record(j, j.get("error") or "không rõ lỗi")
            for j in sorted(states.values(), key=lambda j: j["id"]) if j["state"] == batch.FAILED]


SERVER_ERRORS = (OperationalError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def server_problem(exc: Exception) -> str:
    """What to tell a user whose broker or Redis is not there (passwords masked)."""
    settings = Settings.from_env()
    return (f"Không kết nối được hàng đợi Celery ({maybe_sanitize_url(settings.broker_url)}) hoặc Redis lưu lô "
            f"việc ({maybe_sanitize_url(settings.store_url)}): {str(exc).rstrip('.')}. Hãy khởi động Redis/RabbitMQ, "
            f"hoặc đặt đúng STUDIO_BROKER_URL, STUDIO_RESULT_BACKEND.")


def submit_and_wait(campaign: Campaign, out, phase_ids, options, console, storage: str | None = None,
                    publish_to: str | None = None, key: str | Path | None = None,
                    publish_options: dict | None = None) -> int:
    """``studio build --celery``: send the batch, show progress, report like the in-process build."""
    try:
        return _submit_and_wait(campaign, out, phase_ids, options, console, storage, publish_to, key,
                                publish_options)
    except SERVER_ERRORS as exc:
        console.print(server_problem(exc), style="red", markup=False)
        return 2


def _submit_and_wait(campaign, out, phase_ids, options, console, storage, publish_to, key, publish_options) -> int:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    started = time.perf_counter()
    if not current().control.ping(timeout=1.0, limit=1):  # returns at the first reply
        console.print("Chưa có Celery worker nào trả lời; lô việc sẽ chờ trong hàng đợi đến khi có worker "
                      "(chạy: celery -A jobs worker).", style="yellow")
    batch_id, report = submit(campaign, out, phase_ids, options, storage, publish_to, key,
                              publish_options=publish_options)
    console.print(f"Đã gửi lô {batch_id}: {report.planned - report.reused - sum(report.unsupported.values())} "
                  f"việc cần tạo, {report.reused} giữ nguyên. Xem: studio batch status {batch_id}", markup=False)
    for fmt, n in sorted(report.unsupported.items()):
        console.print(f"Chưa có trình kết xuất cho định dạng {fmt} ({FORMATS[fmt].name}): bỏ qua {n} sản phẩm.",
                      style="yellow")
    timeout = float(os.environ.get("STUDIO_BATCH_TIMEOUT", "0")) or None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bar = progress.add_task("Đang tạo sản phẩm (Celery)", total=None)
        meta = wait(batch_id, lambda done, total: progress.update(bar, completed=done, total=total), timeout)
    states = batch.jobs(batch_id)
    failed = failures(states)
    for f in failed:
        console.print(f"LỖI {f['job']} (tin bài {f['brief'] or '—'}, định dạng {f['format']}, đơn vị {f['unit']}): "
                      f"{f['error']}", style="red", markup=False)
    if meta["state"] == "lost":
        console.print(f"Redis đã mất hồ sơ lô {batch_id} (khởi động lại?); lô không thể tự hoàn tất. Chạy tiếp: "
                      f"studio batch resume {batch_id} --out {Path(out).resolve()}", style="red", markup=False)
        return 1
    if meta["state"] == "timeout":
        console.print(f"Hết thời gian chờ; lô {batch_id} vẫn đang chạy. Xem: studio batch status {batch_id}")
        return 3
    if meta["state"] == "failed":
        console.print(f"Lô {batch_id} thất bại: {meta.get('error')}", style="red", markup=False)
        return 1
    rendered = sum(1 for j in states.values() if j["state"] == batch.DONE)
    elapsed = vi.number(time.perf_counter() - started, 1)
    console.print(f"Đã tạo {rendered}, giữ nguyên {report.reused}, lỗi {len(failed)}, trong {elapsed} giây. "
                  f"Manifest: {', '.join(meta.get('manifests', []))}", markup=False)
    return 1 if failed else 0
