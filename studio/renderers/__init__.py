"""The renderer registry: one registered implementation per kind of asset.

Like Pillow's format plugins, each renderer module registers itself on import;
``load_plugins`` imports the built-in ones and any installed package that
declares a ``studio.renderers`` entry point.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..artifacts import Output, file_digest

if TYPE_CHECKING:
    from ..build import BuildContext
    from ..plan import RenderJob

BUILTIN = ("studio.visual", "studio.deck", "studio.radio", "studio.video")
REGISTRY: dict[str, "Renderer"] = {}
_LOADED: set[tuple] = set()


class Renderer:
    """Base class: ``render`` writes the job's files; ``inputs`` says what they depend on."""

    kind = ""
    version = "1"

    def template_files(self, job: RenderJob, ctx: BuildContext) -> list[Path]:
        """Files whose bytes change the output (templates, fonts); part of the inputs hash."""
        return []

    def inputs(self, job: RenderJob, ctx: BuildContext) -> dict[str, Any]:
        from ..plan import briefs_for

        campaign = ctx.campaign
        return {
            "renderer": [self.kind, self.version],
            "job": job.to_dict(),
            "briefs": [b.model_dump(mode="json", exclude={"source", "approval"}) for b in briefs_for(campaign, job, ctx.tree)],
            "phase": campaign.phase(job.phase).model_dump(mode="json", exclude={"subphases"}),
            "unit": ctx.tree[job.unit].model_dump(mode="json"),
            "brand": campaign.brand.model_dump(mode="json"),
            "campaign": [campaign.id, campaign.title, campaign.issuer],
            # by folder/name and content, not absolute path: a moved checkout is not a change
            "files": {f"{p.parent.name}/{p.name}": file_digest(p) for p in self.template_files(job, ctx)},
            "options": ctx.options_for(self.kind),
        }

    def render(self, job: RenderJob, ctx: BuildContext) -> list[Output]:
        raise NotImplementedError


def register(renderer: Renderer) -> Renderer:
    REGISTRY[renderer.kind] = renderer
    return renderer


def load_plugins() -> dict[str, Renderer]:
    # STUDIO_PLUGINS (comma-separated modules) replaces the built-in list, e.g. for workers or tests.
    names = tuple(n.strip() for n in os.environ.get("STUDIO_PLUGINS", "").split(",") if n.strip()) or BUILTIN
    if (names, id(REGISTRY)) in _LOADED:  # scanning entry points costs ~40 ms: once per process
        return REGISTRY
    for name in names:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the plugin exists but its own import failed: say so
                raise
    for ep in entry_points(group="studio.renderers"):
        ep.load()
    _LOADED.add((names, id(REGISTRY)))
    return REGISTRY


def get(kind: str) -> Renderer | None:
    return load_plugins().get(kind)
