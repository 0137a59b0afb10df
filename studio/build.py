"""The build pipeline: plan → render (skipping what is up to date) → manifest.

``execute`` is the one implementation of "render this job", ``plan_work`` of "what is
not up to date" and ``finish_phases`` of "write the manifests": the in-process pool used
by ``studio build`` and the Celery tasks in ``jobs/`` call the same three.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import locks, plugins
from .artifacts import Artifact, atomic_path, sha256_file, sha256_json
from .campaign import Campaign
from .context import BuildContext, JobContext
from .loader import load_campaign
from .manifest import STATUS, manifest_path, read_manifest, write_manifest, write_status
from .plan import RenderJob, Selection, expand

DEFAULT_OUT = "outputs"
CACHE_PART_AGE = 3600  # seconds after which a temporary file in the shared cache is a leftover
STAGING = ".staging"  # in <out>/<campaign>: where a job's files are written before they replace the listed ones


def inputs_hash(job: RenderJob, ctx: BuildContext) -> str:
    return plugins.get(job.kind).inputs(job, ctx).digest()


def job_context(job: RenderJob, ctx: BuildContext, out_root: Path | None = None) -> JobContext:
    """What the job's renderer sees: its declared inputs, over the build's output folder (or
    ``out_root``, a staging folder with the same layout) and cache."""
    renderer = plugins.get(job.kind)
    if renderer is None:
        raise LookupError(f"chưa có trình kết xuất cho loại {job.kind!r} (định dạng {job.format})")
    return JobContext(renderer.inputs(job, ctx), out_root or ctx.out_root, ctx.cache)


def staging_root(ctx: BuildContext, job: RenderJob) -> Path:
    return ctx.out_root / STAGING / hashlib.sha256(job.id.encode()).hexdigest()[:16]


def run_job(job: RenderJob, ctx: BuildContext) -> list[Artifact]:
    """Render one job from its declared inputs and describe its files as artifacts.

    The renderer sees a ``JobContext`` over the same ``JobInputs`` that are hashed,
    so what it renders from and what decides "up to date" cannot drift apart. It writes
    into a staging folder; only a complete render replaces the job's files (``_commit``),
    so a failed or killed render leaves the previous version and its manifest entries whole.
    """
    stage = staging_root(ctx, job)
    shutil.rmtree(stage, ignore_errors=True)  # a killed attempt's leftovers: one worker renders a job at a time
    job_ctx = job_context(job, ctx, stage)
    digest = job_ctx.inputs.digest()
    renderer = plugins.get(job.kind)
    try:
        artifacts = []
        for output in renderer.render(job, job_ctx):
            path = Path(output.path)
            artifacts.append(Artifact(
                path=str(path.relative_to(stage)), sha256=sha256_file(path), bytes=path.stat().st_size,
                media_type=output.media_type, job=job.id, phase=job.phase, channel=job.channel, unit=job.unit,
                brief=job.brief, format=job.format, renderer=f"{renderer.kind}/{renderer.version}",
                inputs_hash=digest, meta=output.meta,
            ))
        _commit(ctx, job, stage, artifacts)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    ctx.journal.record(digest, artifacts)  # with a store: the files are uploaded first
    return artifacts


def _commit(ctx: BuildContext, job: RenderJob, stage: Path, artifacts: list[Artifact]) -> None:
    """Move a job's staged files over its published ones so that the phase manifest never
    names a file whose bytes differ from its entry, whenever the process dies.

    Under the manifest lock: entries whose file is about to change are taken out of the
    manifest first, the files are renamed into place, then the manifest lists the new
    entries. A process killed in between leaves a manifest without those entries (never a
    wrong one); the next run finds the job's journal or renders it again. Without a manifest
    yet (a first build) the files are simply moved: the build's end writes it.
    """
    with locks.editing(ctx.out_root):
        listed = read_manifest(ctx.out_root, job.phase)
        entries = listed["artifacts"] if listed else []
        new = {a.path: a for a in artifacts}
        on_disk = [a for a in entries if not (a["path"] in new and a["sha256"] != new[a["path"]].sha256)]
        if on_disk != entries:  # entries whose file is about to change
            write_manifest(ctx.out_root, ctx.campaign.id, job.phase, on_disk)
        moved: list[Artifact] = []
        try:
            for art in artifacts:
                _move(stage / art.path, ctx.out_root / art.path)
                moved.append(art)
        finally:
            if listed is not None:
                done = {a.path for a in moved}
                whole = len(moved) == len(artifacts)  # a whole new version replaces every entry of the job
                after = [a for a in entries if a["path"] not in done and not (whole and a["job"] == job.id)]
                after += [a.to_dict() for a in moved]
                if sorted(after, key=lambda a: a["path"]) != on_disk:
                    # A full disk here leaves fewer entries, none of them wrong; the build's end writes again.
                    with contextlib.suppress(OSError):
                        write_manifest(ctx.out_root, ctx.campaign.id, job.phase, after)


def _move(source: Path, target: Path) -> None:
    """Rename ``source`` over ``target``; across file systems (a subfolder that is a mount of
    its own) copy it beside the target first, so the replacement is still one rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)


# --- one entry point for pools and Celery workers ------------------------------------

_CAMPAIGNS: dict[str, tuple[str, Campaign]] = {}
_CONTEXTS: dict[str, BuildContext] = {}


def campaign_fingerprint(root: str | Path) -> str:
    """Changes whenever a campaign file changes, so long-lived workers reload it."""
    root = Path(root)
    stamps = sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*.yaml"))
    return sha256_json(stamps)


def context_for(campaign_root: str, out: str, options: dict | None = None, storage: str | None = None,
                cache_lock: Callable[[str], Any] | None = None) -> BuildContext:
    """A long-lived worker's context: the campaign is loaded once and again only when one
    of its files changed; contexts (one per output folder, options and store) share it."""
    root = str(Path(campaign_root).resolve())
    stamp = campaign_fingerprint(campaign_root)
    if root not in _CAMPAIGNS or _CAMPAIGNS[root][0] != stamp:
        _CAMPAIGNS[root] = (stamp, load_campaign(campaign_root))
        _CONTEXTS.clear()
    key = sha256_json([root, str(out), options or {}, storage])
    if key not in _CONTEXTS:
        _CONTEXTS[key] = BuildContext(_CAMPAIGNS[root][1], Path(out), options or {}, storage, cache_lock)
    return _CONTEXTS[key]


def execute(campaign_root: str, out: str, options: dict | None, job: dict, storage: str | None = None,
            cache_lock: Callable[[str], Any] | None = None) -> list[dict]:
    """Render one job given as plain values; return its artifacts as plain dicts.

    The inputs hash is computed here, from the campaign as it is now, never taken
    from the planner: a campaign edited since planning is rendered (and recorded) as it is.
    """
    ctx = context_for(campaign_root, out, options, storage, cache_lock)
    return [a.to_dict() for a in run_job(RenderJob.from_dict(job), ctx)]


def _run_safely(job: RenderJob, ctx: BuildContext) -> dict:
    try:
        return {"ok": True, "artifacts": [a.to_dict() for a in run_job(job, ctx)]}
    except Exception as exc:  # reported per job; one failure does not stop the batch
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}


def _execute_safely(campaign_root: str, out: str, options: dict | None, storage: str | None, job: dict) -> dict:
    """A pool worker's job: the campaign is (re)loaded from its folder in the worker process."""
    return _run_safely(RenderJob.from_dict(job), context_for(campaign_root, out, options, storage))


# --- the batch ----------------------------------------------------------------------

@dataclass
class BuildReport:
    planned: int = 0
    phases: list[str] = field(default_factory=list)  # every phase the plan touches: each gets a manifest
    rendered: int = 0
    reused: int = 0
    unsupported: dict[str, int] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    manifests: list[Path] = field(default_factory=list)
    error: str | None = None  # the manifests could not be written (the previous ones are kept)

    @property
    def ok(self) -> bool:
        return not self.failures and self.error is None


def plan_work(ctx: BuildContext, phase_ids: list[str] | None, select: Selection | None = None,
              ) -> tuple[list[RenderJob], dict, BuildReport]:
    """Split the plan into jobs to render and artifacts that are already up to date.

    With ``select``, only the matching jobs are checked and rendered; the other planned
    jobs of the phases they touch keep their manifest entries while their files are
    intact, so a partial command never drops another asset from a phase's manifest.
    """
    report = BuildReport()
    planned = expand(ctx.campaign, phase_ids)
    jobs = planned if select is None else [j for j in planned if select.matches(j)]
    report.planned = len(jobs)
    report.phases = sorted({j.phase for j in jobs})
    existing: dict[str, list[dict]] = {}
    for phase in report.phases:
        for art in (ctx.journal.manifest(phase) or {}).get("artifacts", []):
            existing.setdefault(art["job"], []).append(art)
    kept: dict[str, list[dict]] = {}
    if select is not None:
        chosen = set(jobs)
        for job in planned:
            previous = existing.get(job.id)
            if job not in chosen and previous and ctx.journal.intact(previous):
                kept.setdefault(job.phase, []).extend(previous)
    todo: list[RenderJob] = []
    loaded = plugins.load()
    digests: dict[RenderJob, str | None] = {}
    for job in jobs:
        if job.kind not in loaded:
            report.unsupported[job.format] = report.unsupported.get(job.format, 0) + 1
            continue
        try:
            digests[job] = inputs_hash(job, ctx)
        except Exception:  # e.g. an unknown template: rendering it fails the same way, reported with the job
            digests[job] = None
    journaled = ctx.journal.find(d for d in digests.values() if d)
    for job, digest in digests.items():
        previous = journaled.get(digest) if digest else None
        if previous is None and digest:
            previous = existing.get(job.id, [])
            if not (previous and all(a["inputs_hash"] == digest for a in previous)
                    and ctx.journal.intact(previous)):
                previous = None
        if previous is not None:
            kept.setdefault(job.phase, []).extend(previous)
            report.reused += 1
        else:
            todo.append(job)
    return todo, kept, report


def failure_record(job: RenderJob | dict, error: str) -> dict:
    """How a failed job is reported everywhere: brief, format, unit and the error."""
    j = job if isinstance(job, dict) else job.to_dict()
    job_id = j.get("id") or RenderJob.from_dict({k: j[k] for k in RenderJob.__dataclass_fields__ if k in j}).id
    return {"job": job_id, "phase": j["phase"], "channel": j["channel"], "brief": j["brief"],
            "format": j["format"], "unit": j["unit"], "error": error}


def finish_phases(ctx: BuildContext, phases: set[str] | list[str], kept: dict[str, list[dict]],
                  fresh: dict[str, list[dict]], failures: list[dict]) -> list[Path]:
    """Write each phase's manifest and status, last, once every artifact is in place.

    Shared by the in-process build and the Celery manifest task. An artifact is listed
    once (by path, the fresh one wins); with a journal in the output folder nothing is
    written while a listed file is missing there (a store's journal vouches for its objects:
    a job is done only once its files are uploaded). The manifests and statuses are then
    copied to the store (``journal.share``), so any machine reads the batch from there.

    A manifest only moves forward: a job that failed this run keeps the entries it has in
    the manifest (its last good version) while their files still hash to them, and its
    failure record says which version is served (``serving``: inputs hash and file date,
    or None). Entries of jobs no longer planned (a brief removed, set back to draft or
    retargeted) are dropped: that is a retraction, not a loss. Both files are written
    atomically, so a full disk or a read-only folder leaves the previous ones as they were.
    """
    finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
    check_files = ctx.journal.in_folder
    manifests = []
    with locks.editing(ctx.out_root):
        for phase in sorted(phases):
            by_path = {a["path"]: a for a in kept.get(phase, []) + fresh.get(phase, [])}
            missing = [p for p in by_path if check_files and not (ctx.out_root / p).is_file()]
            if missing:
                raise FileNotFoundError(f"giai đoạn {phase}: thiếu tệp {', '.join(missing[:5])}; chưa ghi manifest")
            failed = [f for f in failures if f["phase"] == phase]
            listed = (ctx.journal.manifest(phase) or {}).get("artifacts", [])
            for f in failed:
                served = [a for a in listed if a["job"] == f["job"] and a["path"] not in by_path]
                if check_files and not all(_matches(ctx.out_root / a["path"], a) for a in served):
                    served = []  # a version is served whole or not at all
                by_path.update((a["path"], a) for a in served)
                f["serving"] = _version(ctx, served, check_files) if served else None
            artifacts = list(by_path.values())
            manifests.append(write_manifest(ctx.out_root, ctx.campaign.id, phase, artifacts))
            write_status(ctx.out_root, phase, {
                "finished_at": finished, "artifacts": len(artifacts),
                "rendered": len({a["job"] for a in fresh.get(phase, [])}),
                "failures": failed,
            })
    ctx.journal.share([p for m in manifests for p in (m, m.with_name(STATUS))])
    return manifests


def _matches(path: Path, art: dict) -> bool:
    return path.is_file() and path.stat().st_size == art["bytes"] and sha256_file(path) == art["sha256"]


def _version(ctx: BuildContext, served: list[dict], check_files: bool) -> dict:
    """Which version of a failed job is served: its inputs hash and when its files were made."""
    made = None
    if check_files:
        newest = max((ctx.out_root / a["path"]).stat().st_mtime for a in served)
        made = datetime.fromtimestamp(newest, timezone.utc).isoformat(timespec="seconds")
    return {"inputs_hash": served[0]["inputs_hash"], "made_at": made}


def write_error(exc: OSError) -> str:
    """Why the manifests could not be written, in Vietnamese, with what to do."""
    why = {errno.ENOSPC: "đĩa đầy", errno.EDQUOT: "hết hạn mức đĩa", errno.EROFS: "ổ đĩa chỉ đọc",
           errno.EACCES: "không có quyền ghi", errno.EPERM: "không có quyền ghi"}
    why = why.get(exc.errno, exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"Không ghi được manifest/trạng thái{where}: {why}. Manifest trước đó được giữ nguyên; "
            "sửa lỗi này (giải phóng chỗ trống, cấp quyền ghi) rồi chạy lại: chỉ phần còn thiếu được tạo.")


def build(campaign: Campaign, out: str | Path = DEFAULT_OUT, phase_ids: list[str] | None = None,
          workers: int | None = None, options: dict | None = None,
          on_progress: Callable[[RenderJob, bool], None] | None = None,
          on_start: Callable[[int], None] | None = None, select: Selection | None = None,
          storage: str | None = None) -> BuildReport:
    """Render everything the plan lists (or ``select`` picks) that is not already up to date, then write manifests.

    The output folder ``<out>/<campaign>`` is held (``locks.exclusive``) from the plan to the
    last manifest: a second writer gets ``locks.Busy``. A manifest or status that cannot be
    written is reported in ``report.error`` (the previous one stays), never raised.
    ``storage``: the object store holding the batch (journal, files, shared cache, manifests):
    a build from any output folder keeps every job already there.
    """
    started = time.perf_counter()
    ctx = BuildContext(campaign, Path(out), options or {}, storage)
    with locks.exclusive(ctx.out_root):
        remove_leftovers(ctx)
        report = _build_locked(ctx, phase_ids, workers, on_progress, on_start, select)
        shutil.rmtree(ctx.out_root / STAGING, ignore_errors=True)  # each job empties its own; this is the folder
    report.seconds = time.perf_counter() - started
    return report


def remove_leftovers(ctx: BuildContext) -> None:
    """What a killed build left: staging folders and half-written ``.part`` files (never listed anywhere).

    The output folder is ours (locked); the cache is shared by every campaign built into
    ``<out>``, so there only a ``.part`` file older than any write (an hour) is a leftover.
    """
    shutil.rmtree(ctx.out_root / STAGING, ignore_errors=True)
    old = time.time() - CACHE_PART_AGE
    for root, everything in ((ctx.out_root, True), (ctx.cache.root, False)):
        for part in root.rglob(".*.part*") if root.is_dir() else []:
            if ".part" in part.suffixes and part.is_file() and (everything or part.stat().st_mtime < old):
                part.unlink(missing_ok=True)


def _build_locked(ctx: BuildContext, phase_ids: list[str] | None, workers: int | None,
                  on_progress: Callable[[RenderJob, bool], None] | None, on_start: Callable[[int], None] | None,
                  select: Selection | None) -> BuildReport:
    todo, kept, report = plan_work(ctx, phase_ids, select)
    if on_start:
        on_start(len(todo))
    fresh: dict[str, list[dict]] = {}
    workers = workers or os.cpu_count() or 1
    args = (ctx.campaign.root, str(ctx.out), ctx.options, ctx.storage)

    def collect(job: RenderJob, result: dict) -> None:
        if result["ok"]:
            fresh.setdefault(job.phase, []).extend(result["artifacts"])
            report.rendered += 1
        else:
            report.failures.append(failure_record(job, result["error"]))
        if on_progress:
            on_progress(job, result["ok"])

    if workers <= 1 or len(todo) <= 1:
        for job in todo:  # in this process: the campaign given, as it is in memory
            collect(job, _run_safely(job, ctx))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
            futures = {pool.submit(_execute_safely, *args, job.to_dict()): job for job in todo}
            for future in as_completed(futures):
                collect(futures[future], future.result())

    try:
        report.manifests = finish_phases(ctx, report.phases, kept, fresh, report.failures)
    except OSError as exc:
        report.error = write_error(exc)
        report.manifests = [p for p in (manifest_path(ctx.out_root, ph) for ph in report.phases) if p.is_file()]
    return report


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
