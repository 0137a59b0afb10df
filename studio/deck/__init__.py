"""Slide decks for briefing meetings (phổ biến, quán triệt): renderer kind ``deck``.

``master`` builds the branded 16:9 master and layouts, ``builder`` the phase
deck, ``convert`` the PDF through headless LibreOffice with the shipped fonts.
"""

from __future__ import annotations

from dataclasses import replace

from ..artifacts import Output
from ..campaign import draft_meta
from ..context import JobInputs, campaign_slice
from ..formats import FORMATS
from ..plan import briefs_for
from ..renderers import Renderer, register
from ..visual import words
from ..visual.fonts import FONT_DIR

PPTX = FORMATS["deck-16x9"].media_type


class DeckRenderer(Renderer):
    kind = "deck"
    version = "9"  # 2: word-aware line breaks; 3: pictures placed once, QR codes; 4: public phase names, draft
    # mark; 5: kerned widths (fonts.width); 6: no-break spaces inside words (office apps wrap again); 7: fonts
    # embedded, a notes line naming them, the PDF beside by default, channel names, bound chart labels; 8: the
    # body slide leaves out what the key messages slide says; 9: words.COMPOUNDS kept whole

    def inputs(self, job, ctx):
        """The phase's briefs, every phase (the timeline slide), the channels the briefs name (a section's
        "Hình thức tuyên truyền" column), the brand, the shipped fonts (the master, the embedded fonts and
        the PDF's font config use them all) and the files of the briefs' infographic scenes."""
        from ..visual.scene import scene_files
        from .builder import scene_template

        campaign = ctx.campaign
        briefs = briefs_for(campaign, job, ctx.tree)
        channels = sorted({job.channel, *(c for b in briefs for c in b.channels)})
        values = campaign_slice(campaign, briefs, [ctx.tree[job.unit]], channels=channels)
        inputs = JobInputs((self.kind, self.version), job.to_dict(), values,
                           options={self.kind: ctx.options_for(self.kind)})
        briefs = inputs.campaign.briefs
        templates = sorted({scene_template(b) for b in briefs} - {None})
        files = scene_files(campaign.root, campaign.brand, briefs, templates)
        files.update({f"font:{p.name}": str(p) for p in sorted(FONT_DIR.glob("*.ttf"))})
        return replace(inputs, files=files, extra={"breaks": words.VERSION})

    def render(self, job, ctx) -> list[Output]:
        from .builder import build_deck
        from .convert import convert_available, to_pdf

        campaign = ctx.campaign
        options = ctx.options_for(self.kind)
        pdf = options.get("pdf", True) and convert_available()  # the PDF shows the deck right on any PC
        deck = build_deck(campaign, campaign.phase(job.phase), campaign.briefs, scenes=options.get("scenes", True),
                          files=ctx.inputs.files, pdf=pdf)
        pptx = deck.save(ctx.job_path(job, ".pptx"))
        outputs = [Output(pptx, PPTX, {"slides": len(deck.slides), "layouts": [name for name, _ in deck.slides],
                                       **draft_meta(campaign.briefs)})]
        if pdf:
            outputs.append(Output(to_pdf(pptx, ctx.job_path(job, ".pdf")), "application/pdf",
                                  {"from": pptx.name, **draft_meta(campaign.briefs)}))
        return outputs


register(DeckRenderer())
