"""The build pipeline: plan → render (skipping what is up to date) → manifest.

``execute`` is the one implementation of "render this job": the in-process pool
used by ``studio build`` and the Celery tasks in ``jobs/`` both call it.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from . import renderers
from .artifacts import Artifact, Cache, sha256_file, sha256_json
from .campaign import Campaign
from .formats import FORMATS
from .loader import load_campaign
from .manifest import read_manifest, write_manifest, write_status
from .plan import RenderJob, expand
from .units import UnitTree

DEFAULT_OUT = "outputs"


@dataclass
class BuildContext:
    """What a renderer may read: the campaign, where to write, shared cache, options."""

    campaign: Campaign
    out: Path
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def out_root(self) -> Path:
        """Campaign output root: ``<out>/<campaign id>``."""
        return Path(self.out) / self.campaign.id

    @cached_property
    def tree(self) -> UnitTree:
        return self.campaign.unit_tree()

    @cached_property
    def cache(self) -> Cache:
        return Cache(Path(self.out) / ".cache")

    def options_for(self, kind: str) -> dict[str, Any]:
        return self.options.get(kind, {})

    def job_dir(self, job: RenderJob) -> Path:
        path = self.out_root / job.folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def job_path(self, job: RenderJob, suffix: str) -> Path:
        """Path of one of the job's files: ``<folder>/<stem><suffix>``."""
        return self.job_dir(job) / f"{job.stem}{suffix}"


def inputs_hash(job: RenderJob, ctx: BuildContext) -> str:
    renderer = renderers.get(job.kind)
    return sha256_json(renderer.inputs(job, ctx))


def run_job(job: RenderJob, ctx: BuildContext, digest: str | None = None) -> list[Artifact]:
    """Render one job and describe its files as artifacts."""
    renderer = renderers.get(job.kind)
    if renderer is None:
        raise LookupError(f"chưa có trình kết xuất cho loại {job.kind!r} (định dạng {job.format})")
    digest = digest or inputs_hash(job, ctx)
    artifacts = []
    for output in renderer.render(job, ctx):
        path = Path(output.path)
        artifacts.append(Artifact(
            path=str(path.relative_to(ctx.out_root)), sha256=sha256_file(path), bytes=path.stat().st_size,
            media_type=output.media_type, job=job.id, phase=job.phase, channel=job.channel, unit=job.unit,
            brief=job.brief, format=job.format, renderer=f"{renderer.kind}/{renderer.version}",
            inputs_hash=digest, meta=output.meta,
        ))
    return artifacts


# --- one entry point for pools and Celery workers ------------------------------------

_CONTEXTS: dict[str, BuildContext] = {}


def campaign_fingerprint(root: str | Path) -> str:
    """Changes whenever a campaign file changes, so long-lived workers reload it."""
    root = Path(root)
    stamps = sorted((str(p), p.stat().st_mtime_ns) for p in root.rglob("*.yaml"))
    return sha256_json(stamps)


def context_for(campaign_root: str, out: str, options: dict | None = None) -> BuildContext:
    key = sha256_json([str(Path(campaign_root).resolve()), str(out), options or {}, campaign_fingerprint(campaign_root)])
    if key not in _CONTEXTS:
        _CONTEXTS[key] = BuildContext(load_campaign(campaign_root), Path(out), options or {})
    return _CONTEXTS[key]


def execute(campaign_root: str, out: str, options: dict | None, job: dict, digest: str | None = None) -> list[dict]:
    """Render one job given as plain values; return its artifacts as plain dicts."""
    ctx = context_for(campaign_root, out, options)
    return [a.to_dict() for a in run_job(RenderJob.from_dict(job), ctx, digest)]


def _execute_safely(campaign_root: str, out: str, options: dict | None, job: dict, digest: str) -> dict:
    try:
        return {"ok": True, "artifacts": execute(campaign_root, out, options, job, digest)}
    except Exception as exc:  # reported per job; one failure does not stop the batch
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}


# --- the batch ----------------------------------------------------------------------

@dataclass
class BuildReport:
    planned: int = 0
    rendered: int = 0
    reused: int = 0
    unsupported: dict[str, int] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    manifests: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def plan_work(ctx: BuildContext, phase_ids: list[str] | None) -> tuple[list[tuple[RenderJob, str]], dict, BuildReport]:
    """Split the plan into jobs to render and artifacts that are already up to date."""
    report = BuildReport()
    jobs = expand(ctx.campaign, phase_ids)
    report.planned = len(jobs)
    existing: dict[str, list[dict]] = {}
    for phase in {j.phase for j in jobs}:
        for art in (read_manifest(ctx.out_root, phase) or {}).get("artifacts", []):
            existing.setdefault(art["job"], []).append(art)
    kept: dict[str, list[dict]] = {}
    todo: list[tuple[RenderJob, str]] = []
    loaded = renderers.load_plugins()
    for job in jobs:
        if job.kind not in loaded:
            report.unsupported[job.format] = report.unsupported.get(job.format, 0) + 1
            continue
        digest = inputs_hash(job, ctx)
        previous = existing.get(job.id, [])
        if previous and all(a["inputs_hash"] == digest and _intact(ctx.out_root / a["path"], a) for a in previous):
            kept.setdefault(job.phase, []).extend(previous)
            report.reused += 1
        else:
            todo.append((job, digest))
    return todo, kept, report


def _intact(path: Path, art: dict) -> bool:
    return path.is_file() and path.stat().st_size == art["bytes"]


def build(campaign: Campaign, out: str | Path = DEFAULT_OUT, phase_ids: list[str] | None = None,
          workers: int | None = None, options: dict | None = None,
          on_progress: Callable[[RenderJob, bool], None] | None = None,
          on_start: Callable[[int], None] | None = None) -> BuildReport:
    """Render everything the plan lists that is not already up to date, then write manifests."""
    started = time.perf_counter()
    ctx = BuildContext(campaign, Path(out), options or {})
    todo, kept, report = plan_work(ctx, phase_ids)
    if on_start:
        on_start(len(todo))
    fresh: dict[str, list[dict]] = {}
    phases_touched = {j.phase for j in expand(campaign, phase_ids)}
    workers = workers or os.cpu_count() or 1
    args = (campaign.root, str(out), options or {})

    def collect(job: RenderJob, result: dict) -> None:
        if result["ok"]:
            fresh.setdefault(job.phase, []).extend(result["artifacts"])
            report.rendered += 1
        else:
            report.failures.append({"job": job.id, "phase": job.phase, "channel": job.channel, "brief": job.brief,
                                    "format": job.format, "unit": job.unit, "error": result["error"]})
        if on_progress:
            on_progress(job, result["ok"])

    if workers <= 1 or len(todo) <= 1:
        for job, digest in todo:
            collect(job, _execute_safely(*args, job.to_dict(), digest))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_execute_safely, *args, job.to_dict(), digest): job for job, digest in todo}
            for future in as_completed(futures):
                collect(futures[future], future.result())

    finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for phase in sorted(phases_touched):
        artifacts = kept.get(phase, []) + fresh.get(phase, [])
        report.manifests.append(write_manifest(ctx.out_root, campaign.id, phase, artifacts))
        write_status(ctx.out_root, phase, {
            "finished_at": finished, "artifacts": len(artifacts),
            "rendered": sum(1 for j, _ in todo if j.phase == phase and j.id not in {f["job"] for f in report.failures}),
            "failures": [f for f in report.failures if f["phase"] == phase],
        })
    report.seconds = time.perf_counter() - started
    return report


def formats_without_renderer(campaign: Campaign) -> list[str]:
    loaded = renderers.load_plugins()
    return sorted({f for c in campaign.channels for f in c.formats if FORMATS[f].kind not in loaded})


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
