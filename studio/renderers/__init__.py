"""The renderer registry: the ``Renderer`` base class and one registered implementation per kind.

Like Pillow's format plugins, each renderer module registers itself on import;
``studio.plugins`` imports the built-in ones and any installed package that
declares a ``studio.renderers`` entry point (this module imports none of them).
"""

from __future__ import annotations

from ..artifacts import Output
from ..context import BuildContext, JobContext, JobInputs, campaign_slice
from ..plan import RenderJob, briefs_for

REGISTRY: dict[str, Renderer] = {}


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
