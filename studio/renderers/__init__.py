"""The renderer registry: one registered implementation per kind of asset.

Like Pillow's format plugins, each renderer module registers itself on import;
``load_plugins`` imports the built-in ones and any installed package that
declares a ``studio.renderers`` entry point.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from ..artifacts import Output
from ..context import BuildContext, JobContext, JobInputs, campaign_slice
from ..plan import RenderJob, briefs_for

BUILTIN = ("studio.visual", "studio.deck", "studio.radio", "studio.video")
REGISTRY: dict[str, Renderer] = {}
_LOADED: set[tuple] = set()


class Renderer:
    """Base class: ``inputs`` says what a job renders from; ``render`` makes its files from exactly that.

    The default ``inputs`` fits a renderer that reads the job's briefs, every phase,
    the job's unit and channel, the brand kit and its own options; a renderer that
    reads more (templates, fonts, audio settings, recordings) extends it.
    """

    kind = ""
    version = "1"

    def inputs(self, job: RenderJob, ctx: BuildContext) -> JobInputs:
        campaign = ctx.campaign
        values = campaign_slice(campaign, briefs_for(campaign, job, ctx.tree), [ctx.tree[job.unit]],
                                channels=[job.channel])
        return JobInputs((self.kind, self.version), job.to_dict(), values,
                         options={self.kind: ctx.options_for(self.kind)})

    def render(self, job: RenderJob, ctx: JobContext) -> list[Output]:
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
