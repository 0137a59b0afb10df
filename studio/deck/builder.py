"""A phase's briefing deck: title, agenda, one section per brief, slogans, timeline, closing.

Slides are made from the master's named layouts and every text frame is fitted
(``textfit.fill``); statistics become native, editable charts when several
share a unit, big-number cards otherwise; the full brief goes into the speaker
notes so the presenter has the whole text while the audience sees the points.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, time
from pathlib import Path

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_TICK_MARK
from pptx.enum.shapes import MSO_SHAPE
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from .. import vi
from ..campaign import Approval, Brief, Campaign, Phase, Stat
from ..context import keep_phrases
from ..text import nfc, typeset, without_repeats
from ..visual.alt import stat_sentence
from ..visual.fonts import FontError
from ..visual.images import image_size, place, upright_file
from ..visual.layout import FitError
from ..visual.pptx import crop_picture
from ..visual.words import bind
from . import embed, master
from .master import BY_NAME, CONTENT_W, CONTENT_Y, SLIDE_W, M, Text, emu
from .textfit import Lead, fill, fit_size

ILLUSTRATIVE = "số liệu minh họa"
DRAFT = "DỰ THẢO"  # on every slide of a deck that carries a draft brief
MAX_CARDS = 4
FONT_SOURCES = "thư mục assets/fonts của Studio (kèm giấy phép) hoặc fonts.google.com"
SCENE_PX = (1920, 1080)  # the infographic canvas for a 16:9 slide


class DeckError(ValueError):
    """Brief content that cannot be laid out; the message names the brief and field."""


def phase_dates(phase: Phase) -> str:
    return f"Từ ngày {vi.date(phase.start)} đến ngày {vi.date(phase.end)}"


def phase_label(phase: Phase) -> str:
    """How the deck names a phase: its public name, else its dates (the internal name is never shown)."""
    return phase.public_name or vi.date_range(phase.start, phase.end)


def scene_template(brief: Brief) -> str | None:
    """The infographic a brief's section ends with: its own template's, an emergency brief's notice; none
    when the brief chose no template."""
    from ..visual.scene import default_template, template_names

    if not brief.template and brief.priority != "emergency":
        return None
    name = default_template("infographic", brief)
    return name if name in template_names() else None


def brief_notes(brief: Brief) -> str:
    """The whole brief as speaker notes: what the presenter reads from."""
    parts = [brief.title, brief.headline]
    if brief.key_messages:
        parts.append("Thông điệp chính:\n" + "\n".join(f"- {m}" for m in brief.key_messages))
    if brief.body.strip():
        parts.append("Nội dung:\n" + brief.body.strip())
    if brief.stats:
        parts.append("Số liệu:\n" + "\n".join(f"- {stat_sentence(s)}" for s in brief.stats))
    if brief.slogans:
        parts.append("Khẩu hiệu:\n" + "\n".join(f"- {s}" for s in brief.slogans))
    return nfc("\n\n".join(p.strip() for p in parts if p.strip()))


def stat_groups(stats: list[Stat]) -> tuple[list[list[Stat]], list[Stat]]:
    """Stats sharing a unit (≥ 2) make a chart; the rest are big numbers."""
    by_unit: dict[str, list[Stat]] = {}
    for stat in stats:
        by_unit.setdefault(stat.unit.strip(), []).append(stat)
    charts = [group for group in by_unit.values() if len(group) >= 2]
    singles = [s for group in by_unit.values() if len(group) < 2 for s in group]
    return charts, singles


def stats_note(stats: list[Stat], marked: bool = False) -> str:
    """Visible footnote: sources, and the illustrative warning when any figure is not official."""
    sources = sorted({s.source for s in stats if s.source and not s.illustrative})
    parts = []
    if any(s.illustrative for s in stats):
        parts.append(("(*) " if marked else "") + ILLUSTRATIVE.capitalize() + ", không phải số liệu chính thức")
    if sources:
        parts.append("Nguồn: " + "; ".join(sources))
    return ". ".join(parts)


def font_note(families: list[str], pdf: bool) -> str:
    """The first slide's notes line for a PC without the deck's fonts: which they are, where to get them."""
    return nfc(f"Phông chữ của bài: {', '.join(families)} (giấy phép SIL Open Font License 1.1, dùng và cài đặt "
               "tự do), đã nhúng trong tệp. Nếu chữ hiện khác mẫu (máy chưa cài phông, phần mềm không đọc phông "
               f"nhúng), hãy cài phông từ {FONT_SOURCES}" + (", hoặc trình chiếu bản PDF cùng tên đi kèm." if pdf
                                                              else "."))


def pictured(brief: Brief, draft: bool) -> Brief:
    """The brief as a deck's infographic slide draws it: in a draft deck, as a draft (marked)."""
    return brief.model_copy(update={"approval": Approval(status="draft")}) if draft else brief


@dataclass
class DeckBuilder:
    """Builds one deck; ``slides`` records (layout name, brief id or None) for each slide."""

    campaign: Campaign
    phase: Phase
    files: dict[str, str] | None = None  # a build job's declared inputs: images and scenes read only these
    pdf: bool = False  # a PDF ships beside the pptx (the first slide's notes say so)

    def __post_init__(self) -> None:
        brand = self.campaign.brand
        self.pal = master.palette(brand)
        self.heading = master.face(brand, "heading")
        self.body = master.face(brand, "body")
        self.keep = keep_phrases(self.campaign)  # phrases no line may split, on top of words and numbers
        footer = " · ".join(filter(None, [self.campaign.issuer, self.phase.public_name]))
        self.prs = master.build_master(brand, footer=typeset(footer), keep=self.keep)
        self.slides: list[tuple[str, str | None]] = []
        self.draft = False  # a deck that carries a draft brief: every slide says "DỰ THẢO"
        self._brief: str | None = None
        self._owner: str | None = None

    # --- plumbing --------------------------------------------------------------------

    def face(self, role: str):
        return self.heading if role == "heading" else self.body

    def new(self, layout_name: str, notes: str = ""):
        slide = self.prs.slides.add_slide(master.layout(self.prs, layout_name))
        self.slides.append((layout_name, self._brief))
        if notes:
            slide.notes_slide.notes_text_frame.text = nfc(notes)
        return slide

    @contextmanager
    def where(self, detail: str = "") -> Iterator[None]:
        """Turn a fit or glyph error into a DeckError naming the brief, the slide and the slot."""
        try:
            yield
        except (FitError, FontError) as exc:
            owner = self._brief or self._owner
            who = f"tin bài {owner}" if owner else "trang chung"
            raise DeckError(f"{who}: trang {len(self.slides)}{detail}: {exc}") from exc

    def put(self, slide, layout_name: str, key: str, paragraphs, max_size: float | None = None,
            bullet: bool | None = None, field: str = ""):
        """Fill the slot ``key`` of the slide's layout, fitted to the slot's box; ``field`` names the brief field."""
        slot = BY_NAME[layout_name].slot(key)
        style = slot.text if bullet is None else replace(slot.text, bullet=bullet)
        with self.where(f" ({layout_name}), ô {key}" + (f", trường {field}" if field else "")):
            return fill(slide.placeholders[slot.idx], paragraphs, style, self.face(style.font),
                        self.pal[style.color], slot.box, max_size, self.keep)

    def text_box(self, slide, box, paragraphs, style: Text, max_size: float | None = None):
        shape = slide.shapes.add_textbox(*(Emu(emu(v)) for v in box))
        with self.where():
            fill(shape, paragraphs, style, self.face(style.font), self.pal[style.color], box, max_size, self.keep)
        return shape

    def shape(self, slide, kind, box, colour: str, line: str | None = None):
        shape = slide.shapes.add_shape(kind, *(Emu(emu(v)) for v in box))
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(self.pal[colour])
        if line:
            shape.line.color.rgb = RGBColor.from_string(self.pal[line])
            shape.line.width = Pt(2.5)
        else:
            shape.line.fill.background()
        style = shape._element.find(qn("p:style"))
        if style is not None:  # no theme effects (LibreOffice draws the theme's shadow otherwise)
            shape._element.remove(style)
        return shape

    @staticmethod
    def drop_empty(slide) -> None:
        for ph in list(slide.placeholders):
            if ph.has_text_frame and not ph.text_frame.text.strip():
                ph._element.getparent().remove(ph._element)

    # --- slides ----------------------------------------------------------------------

    def title(self) -> None:
        c, p = self.campaign, self.phase
        notes = "\n".join(filter(None, [c.title, c.plan_ref, p.public_name, phase_dates(p), *p.content_lines]))
        s = self.new("title", notes)
        self.put(s, "title", "kicker", vi.upper(c.issuer))
        self.put(s, "title", "title", c.title)
        self.put(s, "title", "subtitle", [p.public_name, phase_dates(p)])

    def agenda(self, briefs: list[Brief], extras: list[str]) -> None:
        items = [Lead(f"{i:02d}", t, self.heading, self.pal["primary"])
                 for i, t in enumerate([b.title for b in briefs] + extras, 1)]
        notes = "Nội dung buổi phổ biến:\n" + "\n".join(f"{x.lead}. {x.text}" for x in items)
        self.paged("Nội dung", items, notes, max_size=32, bullet=False)

    def section(self, number: int, brief: Brief) -> None:
        s = self.new("section", brief_notes(brief))
        self.put(s, "section", "number", f"{number:02d}")
        self.put(s, "section", "title", brief.title, field="title")
        self.put(s, "section", "subtitle", brief.headline, field="headline")

    def messages(self, brief: Brief) -> None:
        notes = "\n".join(brief.key_messages) + ("\n\n" + brief.body.strip() if brief.body.strip() else "")
        self.paged(brief.headline, brief.key_messages, notes, field="key_messages")

    def paged(self, title: str, items: list, notes: str, field: str = "", **fit) -> None:
        """Bullets on one slide, or halved over several ("(tiếp)") when they cannot fit one."""
        chunks = [items]
        while True:
            made = 0
            try:
                for n, chunk in enumerate(chunks):
                    s = self.new("bullets", notes)
                    made += 1
                    self.put(s, "bullets", "title", title + (" (tiếp)" if n else ""),
                             field="headline" if field else "")
                    self.put(s, "bullets", "body", chunk, field=field, **fit)
                return
            except DeckError:
                self._undo(made)
                if max(len(c) for c in chunks) <= 1:
                    raise
                chunks = [half for c in chunks for half in (c[: (len(c) + 1) // 2], c[(len(c) + 1) // 2:]) if half]

    def _undo(self, count: int) -> None:
        """Remove the last ``count`` slides (a layout attempt that did not fit)."""
        ids = self.prs.slides._sldIdLst
        for _ in range(count):
            sld = ids[-1]
            self.prs.part.drop_rel(sld.rId)
            ids.remove(sld)
            self.slides.pop()

    def content(self, brief: Brief) -> None:
        """Two columns: the body (what) beside audiences and channels (who, how). The body's sentences that
        restate a key message (on the slide before) are left out: the notes keep the body whole."""
        body = without_repeats(brief.body, brief.key_messages).strip()
        if not body:
            return
        audiences = {a.id: a.name for a in self.campaign.audiences}
        who = [audiences.get(a, a) for a in brief.audiences]
        channels = {c.id: c.name for c in self.campaign.channels}
        how = [channels.get(c, c) for c in brief.channels]
        right_head, right = ("Đơn vị thực hiện", who) if who else ("Hình thức tuyên truyền", how)
        s = self.new("two-column", brief.body.strip())
        try:
            self.put(s, "two-column", "title", brief.title)
            self.put(s, "two-column", "left-head", "NỘI DUNG")
            self.put(s, "two-column", "right-head", vi.upper(right_head))
            self.put(s, "two-column", "left", [line for line in body.splitlines() if line.strip()])
            self.put(s, "two-column", "right", right)
        except DeckError:
            self._undo(1)  # a very long body stays in the notes only

    def chart(self, brief: Brief, stats: list[Stat]) -> None:
        unit = stats[0].unit.strip()
        marked = any(s.illustrative for s in stats) and not all(s.illustrative for s in stats)
        labels = [s.label + (" (*)" if marked and s.illustrative else "") for s in stats]
        s = self.new("chart", "\n".join(stat_sentence(x) for x in stats))
        self.put(s, "chart", "title", "Số liệu nổi bật" + (f" ({unit})" if unit else ""))
        # The workbook's format shows every value with the digits written (never rounded); the labels are vi.stat.
        places = max(vi.decimals(x.value) for x in stats)
        data = CategoryChartData(number_format="#,##0" + ("." + "0" * places if places else ""))
        data.categories = [bind(label, keep=self.keep) for label in labels]  # the app wraps them: between words
        data.add_series(unit or "Giá trị", [x.value for x in stats])
        ph = s.placeholders[BY_NAME["chart"].slot("chart").idx]
        frame = ph.insert_chart(XL_CHART_TYPE.BAR_CLUSTERED, data)
        self._style_chart(frame.chart, stats, unit)
        self.put(s, "chart", "note", stats_note(stats, marked))

    def _style_chart(self, chart, stats: list[Stat], unit: str) -> None:
        chart.has_legend = False
        chart.has_title = False
        chart.font.name = self.body.family
        chart.font.size = Pt(14)
        chart.font.color.rgb = RGBColor.from_string(self.pal["ink"])
        plot = chart.plots[0]
        plot.gap_width = 60 if len(stats) > 2 else 110
        plot.vary_by_categories = False
        series = plot.series[0]
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = RGBColor.from_string(self.pal["primary"])
        cat = chart.category_axis
        cat.reverse_order = True  # bars read top-down in brief order
        cat.format.line.color.rgb = RGBColor.from_string(self.pal["rule"])
        cat.has_major_gridlines = False
        cat.major_tick_mark = XL_TICK_MARK.NONE
        cat.tick_labels.font.size = Pt(15)
        val = chart.value_axis
        val.visible = False
        val.has_major_gridlines = False
        values = [s.value for s in stats]
        val.minimum_scale = min(0.0, min(values) * 1.18)
        val.maximum_scale = max(0.0, max(values)) * 1.18 or 1.0  # room for the value labels
        for point, stat in zip(series.points, stats):
            label = point.data_label
            label.position = XL_LABEL_POSITION.OUTSIDE_END
            tf = label.text_frame
            tf.text = vi.stat(stat.value, unit)
            run = tf.paragraphs[0].runs[0]
            run.font.size = Pt(18)
            run.font.bold = self.heading.bold
            run.font.name = self.heading.family
            run.font.color.rgb = RGBColor.from_string(self.pal["primary"])

    def big_numbers(self, brief: Brief, stats: list[Stat]) -> None:
        for start in range(0, len(stats), MAX_CARDS):
            group = stats[start:start + MAX_CARDS]
            s = self.new("big-number", "\n".join(stat_sentence(x) for x in group))
            self.put(s, "big-number", "title", "Số liệu nổi bật" if len(stats) > 1 else brief.headline)
            self._cards(s, group)
            self.put(s, "big-number", "note", stats_note(group))

    def _hero(self, slide, stat: Stat) -> None:
        """A single figure: the number fills the left of the card, unit and label sit beside it."""
        top, h = CONTENT_Y + 6, 318.0
        self.shape(slide, MSO_SHAPE.RECTANGLE, (M, top, CONTENT_W, h), "tint")
        self.shape(slide, MSO_SHAPE.RECTANGLE, (M, top, CONTENT_W, 6), "primary")
        half = CONTENT_W * 0.48
        self.text_box(slide, (M + 36, top + 30, half - 36, h - 60), vi.number(stat.value),
                      Text("heading", 190, 40, "primary", "r", "ctr", line=1.0))
        x, w = M + half + 36, CONTENT_W - half - 72
        self.shape(slide, MSO_SHAPE.RECTANGLE, (M + half + 12, top + 70, 3, h - 140), "accent")
        paragraphs = [Lead(stat.unit, "", self.heading, self.pal["primary"])] if stat.unit else []
        self.text_box(slide, (x, top + 50, w, h - 110), [*paragraphs, stat.label],
                      Text("body", 30, 14, "ink", anchor="ctr", line=1.25, gap=0.3))
        if stat.illustrative:
            self.text_box(slide, (x, top + h - 44, w, 20), vi.upper(ILLUSTRATIVE),
                          Text("heading", 11, 8, "muted", anchor="b", line=1.1))

    def _cards(self, slide, stats: list[Stat]) -> None:
        """One card per figure: number, unit, label, aligned across cards and set at one common size."""
        n = len(stats)
        if n == 1:
            return self._hero(slide, stats[0])
        gap, pad = 24.0, 22.0
        w = (CONTENT_W - gap * (n - 1)) / n
        inner = w - 2 * pad
        top, h = CONTENT_Y + 6, 318.0
        num = Text("heading", {1: 120, 2: 96, 3: 80, 4: 64}[n], 28, "primary", anchor="b", line=1.0)
        unit = Text("heading", 20, 12, "ink", line=1.15)
        label = Text("body", 22 if n < 3 else 18, 11, "ink", line=1.25)
        tag = Text("heading", 11, 8, "muted", anchor="b", line=1.1)
        num_h = num.size * 1.35
        rows = {"num": (top + 26, num_h), "unit": (top + 32 + num_h, 30), "rule": (top + 32 + num_h + 38, 3),
                "label": (top + 32 + num_h + 54, h - (32 + num_h + 54) - 48), "tag": (top + h - 38, 20)}
        columns = [M + i * (w + gap) for i in range(n)]
        sized = {key: self.common_size([(text, (0, 0, inner, rows[key][1])) for text in texts], style)
                 for key, texts, style in (("num", [vi.number(s.value) for s in stats], num),
                                           ("unit", [s.unit for s in stats if s.unit], unit),
                                           ("label", [s.label for s in stats], label)) if texts}
        for x, stat in zip(columns, stats):
            self.shape(slide, MSO_SHAPE.RECTANGLE, (x, top, w, h), "tint")
            self.shape(slide, MSO_SHAPE.RECTANGLE, (x, top, w, 6), "primary")
            self.shape(slide, MSO_SHAPE.RECTANGLE, (x + pad, rows["rule"][0], 40, 3), "accent")
            for key, text, style in (("num", vi.number(stat.value), num), ("unit", stat.unit, unit),
                                     ("label", stat.label, label)):
                if text:
                    self.text_box(slide, (x + pad, rows[key][0], inner, rows[key][1]), text, style, sized[key])
            if stat.illustrative:
                self.text_box(slide, (x + pad, rows["tag"][0], inner, rows["tag"][1]), vi.upper(ILLUSTRATIVE), tag)

    def common_size(self, items: list[tuple[str, tuple]], style: Text) -> float:
        """The size at which every (text, box) of a row fits: siblings share one size."""
        with self.where():
            return min(fit_size([(typeset(t).strip(), self.face(style.font).path)], box, style, keep=self.keep)
                       for t, box in items)

    def slogan(self, text: str, brief: Brief) -> None:
        s = self.new("quote", text)
        self._owner = brief.id  # named in errors; the slide itself belongs to the phase
        self.put(s, "quote", "quote", text, field="slogans")
        self.put(s, "quote", "attribution", f"Khẩu hiệu tuyên truyền · {brief.title}")
        self._owner = None

    def image(self, brief: Brief) -> None:
        for img in brief.images:
            declared = (self.files or {}).get(f"image:{img.path}")
            path = Path(declared) if declared else Path(self.campaign.root) / img.path
            if not path.is_file():
                raise DeckError(f"tin bài {brief.id}: images: không thấy tệp ảnh {img.path} "
                                "(đường dẫn tính từ thư mục chiến dịch)")
            s = self.new("image", img.alt)
            self.put(s, "image", "title", brief.headline)
            self.picture(s, BY_NAME["image"].slot("picture"), path)
            self.put(s, "image", "caption", img.alt or brief.title)

    @staticmethod
    def picture(slide, slot, path: Path) -> None:
        """The whole picture in the slot, aspect kept (``images.place``, as every visual backend draws it);
        python-pptx would crop it to fill the placeholder."""
        pl = place(image_size(str(path)), slot.box, "contain")
        pic = slide.placeholders[slot.idx].insert_picture(upright_file(str(path)))
        crop_picture(pic, pl)
        pic.left, pic.top, pic.width, pic.height = emu(pl.x), emu(pl.y), emu(pl.w), emu(pl.h)

    def timeline(self) -> None:
        """The campaign's phases on one line; this deck's phase highlighted."""
        phases = self.campaign.phases
        current = {self.phase.id, *[p.id for p in phases if self.phase.id in self.campaign.phase_with_children(p.id)]}
        notes = "\n".join(f"{p.public_name}: {phase_dates(p)}" if p.public_name else phase_dates(p)
                          for p in self.campaign.all_phases())
        s = self.new("timeline", notes)
        self.put(s, "timeline", "title", "Các đợt tuyên truyền")
        n = len(phases)
        col = CONTENT_W / n
        axis_y = CONTENT_Y + 120
        name_style = Text("heading", 26, 12, "ink", anchor="b", line=1.15)
        name_size = self.common_size([(phase_label(p), (0, 0, col - 28, 72)) for p in phases], name_style)
        self.shape(s, MSO_SHAPE.RECTANGLE, (M, axis_y - 1.5, CONTENT_W, 3), "rule")
        for i, p in enumerate(phases):
            x = M + i * col
            on = p.id in current
            if on:
                self.shape(s, MSO_SHAPE.RECTANGLE, (x, axis_y - 2.5, col, 5), "primary")
            dot = 28.0 if on else 18.0
            self.shape(s, MSO_SHAPE.OVAL, (x + 4, axis_y - dot / 2, dot, dot), "primary" if on else "paper",
                       None if on else "rule")
            inner = col - 28
            self.text_box(s, (x + 4, axis_y - 96, inner, 72), phase_label(p),
                          replace(name_style, color="primary" if on else "ink"), name_size)
            if p.public_name:  # else the dates are the label already
                self.text_box(s, (x + 4, axis_y + 28, inner, 26), vi.date_range(p.start, p.end),
                              Text("heading", 17, 10, "ink" if on else "muted", line=1.15))
            subs: list = []
            for q in p.subphases:
                tone = self.pal["primary"] if q.id == self.phase.id else self.pal["ink"] if on else self.pal["muted"]
                subs += [Lead(phase_label(q), "", self.heading, tone)]
                subs += [vi.date_range(q.start, q.end)] if q.public_name else []
            if subs:
                self.text_box(s, (x + 4, axis_y + 70, inner, 150), subs,
                              Text("body", 15, 9, "ink" if on else "muted", line=1.3, gap=0.25))

    def closing(self) -> None:
        s = self.new("closing", "Kết thúc. " + self.campaign.plan_ref)
        self.put(s, "closing", "title", "Xin trân trọng cảm ơn!")
        self.put(s, "closing", "subtitle", [self.campaign.issuer, self.campaign.title])

    # --- the deck --------------------------------------------------------------------

    def build(self, briefs: list[Brief], scenes: bool = True) -> DeckBuilder:
        if not briefs:
            raise DeckError(f"giai đoạn {self.phase.id}: không có tin bài nào cho bài trình chiếu "
                            "(thêm kênh hội nghị vào trường channels của tin bài)")
        slogans: dict[str, Brief] = {}  # slogan → the first brief that carries it
        for brief in briefs:
            for text in brief.slogans:
                slogans.setdefault(text, brief)
        extras = (["Khẩu hiệu tuyên truyền"] if slogans else []) + ["Các đợt tuyên truyền"]
        self.draft = any(not b.approved for b in briefs)
        self.title()
        self.agenda(briefs, extras)
        for n, brief in enumerate(briefs, 1):
            self._brief = brief.id
            self.section(n, brief)
            if brief.key_messages:
                self.messages(brief)
            self.content(brief)
            charts, singles = stat_groups(brief.stats)
            for group in charts:
                self.chart(brief, group)
            if singles:
                self.big_numbers(brief, singles)
            if scenes:
                self.scene(brief)
            self.image(brief)
        self._brief = None
        for text, brief in slogans.items():
            self.slogan(text, brief)
        self.timeline()
        self.closing()
        for slide in self.prs.slides:
            self.drop_empty(slide)
        if self.draft:
            self.mark_draft()
        self.finish()
        return self

    def finish(self) -> None:
        """What a PC without the brand's fonts needs: the fonts embedded, a notes line naming them; and the
        file's properties (title, author) instead of python-pptx's template values."""
        faces = embed.used_faces(self.prs)
        notes = self.prs.slides[0].notes_slide.notes_text_frame
        notes.text = nfc(notes.text + "\n\n" + font_note(embed.families(faces), self.pdf))
        start = datetime.combine(self.phase.start, time())  # deterministic: never the time of the build
        for key, value in {"title": " · ".join(filter(None, [self.campaign.title, phase_label(self.phase)])),
                           "author": self.campaign.issuer, "last_modified_by": self.campaign.issuer,
                           "subject": "Bài trình chiếu hội nghị phổ biến, quán triệt", "comments": "",
                           "keywords": "", "category": "", "created": start, "modified": start,
                           "revision": 1}.items():
            setattr(self.prs.core_properties, key, value)
        embed.embed(self.prs, faces)

    def mark_draft(self) -> None:
        """"DỰ THẢO" in a box at the top right of every slide that does not say it already (the
        infographic slides carry the visuals' own draft band)."""
        box = (SLIDE_W - M - 96, 10, 96, 20)
        for slide in self.prs.slides:
            if any(DRAFT in shape.text_frame.text for shape in slide.shapes if shape.has_text_frame):
                continue
            self.shape(slide, MSO_SHAPE.RECTANGLE, box, "paper", line="primary").name = "du-thao-nen"
            self.text_box(slide, (box[0] + 4, box[1] + 2, box[2] - 8, box[3] - 4), DRAFT,
                          Text("heading", 11, 8, "primary", "ctr", "ctr", line=1.0)).name = "du-thao"

    def scene(self, brief: Brief) -> None:
        """The brief's infographic as an editable slide, through the visual renderer's pptx backend."""
        from ..visual import add_scene_slide, scene_for

        template = scene_template(brief)
        if template is None:
            return  # no infographic template chosen (or not shipped yet): the deck stands without it
        scene = scene_for(self.campaign, pictured(brief, self.draft), template, *SCENE_PX, units="px",
                          files=self.files)
        slide = add_scene_slide(self.prs, scene, master.layout(self.prs, "blank"))
        slide.notes_slide.notes_text_frame.text = scene.meta.get("alt", brief.headline)
        self.slides.append(("blank", brief.id))

    def save(self, path: str | Path) -> Path:
        """Write the deck atomically, byte-identical for identical content (no save-time stamps)."""
        from ..artifacts import atomic_write_bytes, stable_zip

        buffer = io.BytesIO()
        self.prs.save(buffer)
        return atomic_write_bytes(path, stable_zip(buffer.getvalue()))


def build_deck(campaign: Campaign, phase: Phase, briefs: list[Brief], scenes: bool = True,
               files: dict[str, str] | None = None, pdf: bool = False) -> DeckBuilder:
    """Build a phase deck in memory; ``.save(path)`` writes it atomically. ``pdf``: a PDF will ship beside it."""
    return DeckBuilder(campaign, phase, files, pdf).build(briefs, scenes)
