"""Slide decks for briefing meetings (phổ biến, quán triệt): renderer kind ``deck``.

``master`` builds the branded 16:9 master and layouts, ``builder`` the phase
deck, ``convert`` the PDF through headless LibreOffice with the shipped fonts.
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import Output
from ..formats import FORMATS
from ..plan import briefs_for
from ..renderers import Renderer, register
from ..visual.fonts import FONT_DIR

PPTX = FORMATS["deck-16x9"].media_type


class DeckRenderer(Renderer):
    kind = "deck"
    version = "1"

    def template_files(self, job, ctx) -> list[Path]:
        """Shipped fonts, plus the infographic templates whose scenes become slides."""
        from ..visual.scene import template_names, template_path

        names = {b.template for b in briefs_for(ctx.campaign, job, ctx.tree) if b.template}
        templates = [template_path(n) for n in sorted(names & set(template_names()))]
        partials = sorted({p for t in templates for p in t.parent.glob("_*.yaml")})
        return [*templates, *partials, *sorted(FONT_DIR.glob("*.ttf"))]

    def render(self, job, ctx) -> list[Output]:
        from .builder import build_deck

        campaign = ctx.campaign
        options = ctx.options_for(self.kind)
        deck = build_deck(campaign, campaign.phase(job.phase), briefs_for(campaign, job, ctx.tree),
                          scenes=options.get("scenes", True))
        pptx = deck.save(ctx.job_path(job, ".pptx"))
        outputs = [Output(pptx, PPTX, {"slides": len(deck.slides), "layouts": [name for name, _ in deck.slides]})]
        if options.get("pdf"):
            from .convert import convert_available, to_pdf

            if convert_available():
                outputs.append(Output(to_pdf(pptx, ctx.job_path(job, ".pdf")), "application/pdf",
                                      {"from": pptx.name}))
        return outputs


register(DeckRenderer())
