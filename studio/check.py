"""The build's dry run: every check the renderers make, without rendering.

``studio validate`` loads the campaign, then ``dry_run`` walks the plan: for every
planned job it asks the job's renderer for its inputs (``Renderer.inputs``) and
lays out what that renderer would draw, with the same code (``scene_for``, the deck
builder in memory, the bulletin script, the video's stills, cards and subtitles),
but rasterizes, encodes and synthesizes nothing. Each failure is mapped back to the
brief field (``headline``, ``stats[2].label``…) and its YAML line, with what to do.
A brief that passes here renders: ``tests/test_check.py`` builds what it accepts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from . import plugins
from .campaign import BrandKit, Brief, Campaign
from .color import Color, ColorError
from .context import BuildContext, JobContext, keep_phrases
from .formats import FORMATS
from .loader import Problem, YamlDoc, field_path, read_yaml
from .plan import RenderJob, expand, grouped, survey
from .text import MARKUP
from .visual.fonts import FontError, font_path
from .visual.layout import FitError, MissingGlyphError, describe_char

#: Longest id (campaign, phase, channel, unit, brief): output names stay far below 255 bytes.
IMAGE_TYPES = {"PNG", "JPEG"}  # python-pptx (decks, scene slides) takes no WebP
MAX_IMAGE_SIDE = 10_000  # px; larger photos only slow every render down
LUFS_RANGE = (-30.0, -10.0)
TRUE_PEAK_RANGE = (-9.0, 0.0)
HIGHPASS_RANGE = (0, 1000)
LAME_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)
SAMPLE_RATES = (22050, 44100, 48000)


@dataclass
class Docs:
    """The campaign's YAML files re-read for their node trees: a field's line by file."""

    campaign: YamlDoc
    units: YamlDoc | None
    briefs: dict[str, YamlDoc]  # by brief id

    @classmethod
    def read(cls, campaign: Campaign) -> Docs:
        root = Path(campaign.root)
        sink: list[Problem] = []  # the loader already reported unreadable files
        briefs = {}
        for brief in campaign.briefs:
            doc = read_yaml(root / brief.source, root, sink) if brief.source else None
            if doc is not None:
                briefs[brief.id] = doc
        return cls(read_yaml(root / "campaign.yaml", root, sink), read_yaml(root / campaign.units_file, root, sink),
                   briefs)


class Checker:
    """Collects located problems; ``at`` places one on a YAML field."""

    def __init__(self, campaign: Campaign, layout: bool = False, docs: Docs | None = None):
        self.campaign = campaign
        self.layout = layout  # also note the collisions of laid-out scenes (studio.visual.collide)
        self.docs = docs or Docs.read(campaign)
        self.problems: list[Problem] = []
        self.places: dict[Problem, list[str]] = {}  # one problem met in several formats
        self.notes: list[Problem] = []  # what builds but is worth knowing: items a template leaves out
        self.collisions: dict[Problem, list[str]] = {}  # a layout that collides, by the formats it is met in
        self.drawn: dict[tuple[str, str], dict[str, dict[str, int]]] = {}  # (brief, list) → template → format → cap

    @staticmethod
    def locate(doc: YamlDoc | None, loc: tuple, message: str, fallback: str = "") -> Problem:
        if doc is None:
            return Problem(fallback, 0, field_path(loc), message)
        return Problem(doc.file, doc.line(loc), field_path(loc), message)

    def at(self, doc: YamlDoc | None, loc: tuple, message: str, fallback: str = "") -> None:
        self.problems.append(self.locate(doc, loc, message, fallback))

    def in_brief(self, brief: Brief, loc: tuple, message: str) -> Problem:
        return self.locate(self.docs.briefs.get(brief.id), loc, message, brief.source or brief.id)

    def brief_at(self, brief: Brief, loc: tuple, message: str) -> None:
        self.problems.append(self.in_brief(brief, loc, message))

    def met_in(self, problem: Problem, where: str) -> None:
        """``problem`` (the same character missing, say) met in ``where``: said once, naming every place."""
        self.places.setdefault(problem, []).append(where)

    def drew(self, brief: Brief, scene, label: str) -> None:
        """Remember how much of each list the scene's template draws whole (its declared capacity)."""
        for key, cap in scene.meta.get("lists", {}).items():
            caps = self.drawn.setdefault((brief.id, key), {}).setdefault(scene.meta["template"], {})
            caps[label] = min(cap, caps.get(label, cap))

    def left_out(self) -> list[Problem]:
        """A note per brief and list whose items some template cannot all show: which, where, what to do."""
        from .visual.scene import timeline_items

        briefs = {b.id: b for b in self.campaign.briefs}
        notes = []
        for (brief_id, key), by_template in self.drawn.items():
            brief = briefs[brief_id]
            items = timeline_items(self.campaign, brief) if key == "timeline" else getattr(brief, key)
            short = {template: {label: cap for label, cap in caps.items() if cap < len(items)}
                     for template, caps in by_template.items()}
            short = {template: caps for template, caps in short.items() if caps}
            if not short:
                continue
            cap = min(n for caps in short.values() for n in caps.values())
            noun, todo = LIST_WORDS[key]
            where = "; ".join(f"mẫu {template} ({', '.join(caps)}) thể hiện {min(caps.values())}"
                              if len(set(caps.values())) == 1 else
                              f"mẫu {template} ({', '.join(f'{label}: {n}' for label, n in caps.items())})"
                              for template, caps in short.items())
            named = ", ".join(f"{key}[{i}] {_quoted(_item_text(item))}" for i, item in enumerate(items) if i >= cap)
            notes.append(self.in_brief(brief, (key, cap), (
                f"không thể hiện hết {len(items)} {noun} trên mọi hình ({where}): thiếu {named} (văn bản thay "
                f"thế của ảnh ghi rõ điều này); {todo}")))
        return notes

    def collided(self) -> list[Problem]:
        """A note per collision (``check_layout``), naming every format it is met in."""
        return [replace(p, message=f"{p.message} (ở {', '.join(dict.fromkeys(wheres))})")
                for p, wheres in self.collisions.items()]

    def result(self) -> list[Problem]:
        merged = [replace(p, message=f"{p.message} (ở {', '.join(dict.fromkeys(wheres))})")
                  for p, wheres in self.places.items()]
        unique = dict.fromkeys(self.problems + merged)  # a brief drawn for many units fails once
        return sorted(unique, key=lambda p: (p.file != "campaign.yaml", p.file, p.line))


#: Per brief list: what it is called, and what to do when a template cannot show all of it.
LIST_WORDS = {
    "stats": ("số liệu", "để thể hiện đủ: bớt số liệu (đưa số quan trọng nhất lên đầu) hoặc tách thành tin bài khác"),
    "key_messages": ("ý chính", "để thể hiện đủ: gộp hoặc bớt ý chính (ý quan trọng nhất lên đầu), hoặc tách tin bài"),
    "timeline": ("mốc", "để thể hiện đủ: gộp các mốc gần nhau hoặc bớt mốc"),
    "slogans": ("khẩu hiệu", "để thể hiện đủ: bớt khẩu hiệu"),
}


def _item_text(item) -> str:
    """A list item as the user knows it: the text, a statistic's or a timeline step's label."""
    if isinstance(item, dict):
        return item["label"]
    return item if isinstance(item, str) else item.label


def _quoted(text: str, limit: int = 40) -> str:
    return f"“{text if len(text) <= limit else text[:limit - 1].rstrip() + '…'}”"


# --- what the renderers read before drawing -----------------------------------------------

def check_brand(ck: Checker) -> BrandKit:
    """Colours, fonts and logo of the brand kit; returns the kit with defaults in place of what is broken."""
    brand, doc = ck.campaign.brand, ck.docs.campaign
    colors, fonts, logo = dict(brand.colors), dict(brand.fonts), brand.logo
    defaults = BrandKit()
    for name, value in brand.colors.items():
        try:
            Color.parse(value, "màu")
            if not value.strip().startswith("#"):
                raise ColorError(f"màu: {value!r} thiếu dấu # ở đầu (viết #{value.strip()})")
        except ColorError as exc:
            ck.at(doc, ("brand", "colors", name), str(exc))
            colors[name] = defaults.colors.get(name, "#000000")
    for role, name in brand.fonts.items():
        try:
            font_path(name)
        except FontError as exc:
            ck.at(doc, ("brand", "fonts", role), str(exc))
            fonts[role] = defaults.fonts.get(role, "NotoSans-Regular")
    if logo and check_image(ck, logo, lambda msg: ck.at(doc, ("brand", "logo"), msg)):
        logo = None
    cmyk = {role: values for role, values in brand.cmyk.items() if role in colors}
    for role in brand.cmyk.keys() - cmyk.keys():
        ck.at(doc, ("brand", "cmyk", role), f"màu {role!r} không có trong brand.colors ({', '.join(colors)}): "
                                            f"thêm mã #RRGGBB của nó vào brand.colors hoặc bỏ dòng này")
    return brand.model_copy(update={"colors": colors, "fonts": fonts, "logo": logo, "cmyk": cmyk})


def check_bleed(ck: Checker) -> None:
    """The campaign's bleed overrides name print formats or their families."""
    printed = {f.id for f in FORMATS.values() if f.options.get("units") == "mm"}
    printed |= {FORMATS[f].options["family"] for f in printed}
    for key in ck.campaign.bleed_mm:
        if key not in printed:
            ck.at(ck.docs.campaign, ("bleed_mm", key), f"{key!r} không phải khổ in: dùng một trong "
                                                        f"{', '.join(sorted(printed))}")


def check_image(ck: Checker, written: str, report: Callable[[str], None]) -> bool:
    """Report a logo or brief image the renderers could not read; True when it is broken."""
    root = Path(ck.campaign.root).resolve()
    path = (root / written).resolve()
    if not path.is_relative_to(root):
        report(f"ảnh {written!r} nằm ngoài thư mục chiến dịch {root}: chép ảnh vào thư mục chiến dịch "
               "(ví dụ images/) và ghi đường dẫn tính từ đó")
        return True
    if not path.is_file():
        report(f"không tìm thấy ảnh {written!r} (đường dẫn tính từ thư mục chiến dịch {root})")
        return True
    try:
        with Image.open(path) as img:  # reads the header only
            kind, (w, h) = img.format, img.size
    except Image.DecompressionBombError:  # Pillow refuses to open it at all: over twice its pixel limit
        report(f"ảnh {written!r} quá lớn (trên {2 * Image.MAX_IMAGE_PIXELS:,} điểm ảnh): thu nhỏ ảnh, cạnh dài "
               f"tối đa {MAX_IMAGE_SIDE} px".replace(",", "."))
        return True
    except (UnidentifiedImageError, OSError):
        report(f"{written!r} không phải ảnh đọc được: dùng PNG hoặc JPEG")
        return True
    if kind not in IMAGE_TYPES:
        report(f"ảnh {written!r} dạng {kind} không chèn được vào mọi sản phẩm (bài trình chiếu chỉ nhận PNG, "
               "JPEG): chuyển sang PNG hoặc JPEG")
        return True
    if max(w, h) > MAX_IMAGE_SIDE or min(w, h) < 1:
        report(f"ảnh {written!r} cỡ {w}×{h} px: cạnh dài phải từ 1 đến {MAX_IMAGE_SIDE} px; thu nhỏ ảnh")
        return True
    return False


def check_audio(ck: Checker) -> None:
    from .radio.tts import ENGINES, TTSError, get_engine

    audio, doc = ck.campaign.audio, ck.docs.campaign

    def within(name: str, value: float, lo: float, hi: float, unit: str) -> None:
        if not lo <= value <= hi:
            ck.at(doc, ("audio", name), f"{value:g} {unit} ngoài khoảng cho phép {lo:g} … {hi:g} {unit}")

    if audio.engine not in ENGINES:
        ck.at(doc, ("audio", "engine"), f"không có bộ đọc {audio.engine!r}; chọn một trong: "
                                        f"{', '.join(sorted(ENGINES))}")
    else:
        try:
            get_engine(audio.engine, audio.voice)  # the engine checks its voice name; nothing is synthesized
        except TTSError as exc:
            ck.at(doc, ("audio", "voice"), str(exc))
    within("target_lufs", audio.target_lufs, *LUFS_RANGE, "LUFS")
    within("true_peak_db", audio.true_peak_db, *TRUE_PEAK_RANGE, "dBTP")
    within("highpass_hz", audio.highpass_hz, *HIGHPASS_RANGE, "Hz")
    if audio.bitrate_kbps not in LAME_BITRATES:
        ck.at(doc, ("audio", "bitrate_kbps"), f"tốc độ bit {audio.bitrate_kbps} kbps không được bộ mã hóa MP3 "
                                              f"hỗ trợ; chọn một trong: {', '.join(map(str, LAME_BITRATES))}")
    if audio.sample_rate not in SAMPLE_RATES:
        ck.at(doc, ("audio", "sample_rate"), f"tần số lấy mẫu {audio.sample_rate} Hz không hỗ trợ; "
                                             f"chọn một trong: {', '.join(map(str, SAMPLE_RATES))}")


def check_briefs(ck: Checker) -> tuple[list[Brief], set[str]]:
    """Templates and images of each brief. Returns the briefs without what is broken (for the
    layout checks that follow) and the ids of the briefs whose own template is unusable."""
    from .visual.scene import SceneError, default_template, template_names, template_path

    usable, no_template = [], set()
    for brief in ck.campaign.briefs:
        if brief.template:
            try:
                template_path(brief.template)
            except SceneError:
                ck.brief_at(brief, ("template",), f"không có mẫu {brief.template!r} trong templates/; các mẫu có "
                                                  f"sẵn: {', '.join(template_names())}")
                no_template.add(brief.id)
        if default_template("infographic", brief) == "timeline" and not brief.timeline:
            ck.brief_at(brief, ("template",), "mẫu timeline vẽ các mốc của chính tin bài, mà tin bài chưa có: thêm "
                                              "trường timeline (các mốc: label, start, end, detail) hoặc "
                                              "timeline: phases để vẽ các đợt của chiến dịch, hoặc chọn mẫu khác")
            no_template.add(brief.id)
        if brief.timeline == "phases":
            check_public_names(ck, brief)
        images = [image for i, image in enumerate(brief.images) if not check_image(
            ck, image.path, lambda msg, i=i, b=brief: ck.brief_at(b, ("images", i, "path"), msg))]
        usable.append(brief.model_copy(update={"images": images,
                                               "template": None if brief.id in no_template else brief.template}))
    return usable, no_template


def phase_locs(c: Campaign) -> dict[str, tuple]:
    """Each phase's and sub-phase's place in campaign.yaml (``("phases", 1, "subphases", 0)``), by id."""
    out: dict[str, tuple] = {}

    def walk(items, loc: tuple) -> None:
        for i, phase in enumerate(items):
            out[phase.id] = loc + (i,)
            walk(phase.subphases, loc + (i, "subphases"))

    walk(c.phases, ("phases",))
    return out


def check_public_names(ck: Checker, brief: Brief) -> None:
    """``timeline: phases`` draws the phases by their public names: say which have none (noted once)."""
    locs = phase_locs(ck.campaign)
    for phase in [p for top in ck.campaign.phases for p in (top, *top.subphases)]:  # what the timeline draws
        if not phase.public_name.strip():
            note = ck.locate(ck.docs.campaign, locs[phase.id] + ("public_name",), (
                f"giai đoạn {phase.id} chưa có public_name: mốc của nó trên mẫu timeline (tin bài {brief.id}, "
                "timeline: phases) chỉ ghi ngày, vì tên nội bộ (name) không in ra sản phẩm công khai; thêm "
                "public_name, ví dụ public_name: Trước Đại hội"))
            if note not in ck.notes:
                ck.notes.append(note)


def check_characters(ck: Checker, briefs: list[Brief]) -> list[Brief]:
    """Control, bidi, zero-width and other invisible characters in a brief's text: no renderer
    should receive them (they reorder or hide text even where a font has a glyph). Returns the
    briefs without them, so the layout checks report the other characters a font lacks."""
    clean = []
    for brief in briefs:
        for loc, text in brief_texts(brief):
            bad = sorted({c for c in text if invisible(c)})
            if bad:
                ck.brief_at(brief, loc, f"có ký tự điều khiển hoặc vô hình {', '.join(map(describe_char, bad))}: "
                                        "xóa ký tự này (thường lọt vào khi chép từ trang web hoặc PDF)")
                brief = replace_field(brief, loc, "".join(c for c in text if not invisible(c)))
        clean.append(brief)
    return clean




def check_markup(ck: Checker, briefs: list[Brief]) -> None:
    """HTML tags and entities pasted into a brief: brief text is plain, so every channel would
    print them as they are ("<b>" on the poster, "nhỏ hơn bê lớn hơn" on air)."""
    for brief in briefs:
        for loc, text in brief_texts(brief):
            found = sorted(set(MARKUP.findall(text)))
            if found:
                ck.brief_at(brief, loc, f"có thẻ hoặc mã HTML {', '.join(repr(m) for m in found[:3])}: tin bài "
                                        "là văn bản thuần, mọi kênh sẽ in và đọc nguyên các ký hiệu này; xóa thẻ, "
                                        "viết ký tự thật thay cho mã (&amp; → &)")


def invisible(char: str) -> bool:
    return unicodedata.category(char)[0] == "C" and char not in "\n\t"


# --- mapping drawn text back to the field it came from ----------------------------------------

def brief_texts(brief: Brief) -> list[tuple[tuple, str]]:
    """Every string of a brief a renderer may draw, with its field path."""
    out: list[tuple[tuple, str]] = [(("title",), brief.title), (("headline",), brief.headline)]
    out += [(("key_messages", j), m) for j, m in enumerate(brief.key_messages)]
    for i, stat in enumerate(brief.stats):
        out += [(("stats", i, "label"), stat.label), (("stats", i, "unit"), stat.unit),
                (("stats", i, "source"), stat.source)]
    out += [(("slogans", k), s) for k, s in enumerate(brief.slogans)]
    out += [(("images", i, "alt"), img.alt) for i, img in enumerate(brief.images)]
    if isinstance(brief.timeline, list):
        for i, step in enumerate(brief.timeline):
            out += [(("timeline", i, "label"), step.label), (("timeline", i, "detail"), step.detail)]
    out.append((("body",), brief.body))
    return [(loc, text.strip()) for loc, text in out if text.strip()]


def campaign_texts(c: Campaign) -> list[tuple[tuple, str]]:
    """Every string of campaign.yaml a renderer may draw (a phase's public name, never its internal name)."""
    out: list[tuple[tuple, str]] = [(("title",), c.title), (("issuer",), c.issuer), (("plan_ref",), c.plan_ref)]
    out += [(loc + ("public_name",), c.phase(pid).public_name) for pid, loc in phase_locs(c).items()]
    return [(loc, text.strip()) for loc, text in out if text.strip()]


def source_of(ck: Checker, brief: Brief, text: str, char: str | None = None):
    """The field a drawn ``text`` (or, for a glyph, the field holding ``char``) came from:
    (problem maker ``(loc, message) -> Problem``, field path, the field's text), or None."""
    want = (lambda t: char in t) if char else (lambda t: t in text)
    units = [((i, "name"), u.name) for i, u in enumerate(ck.campaign.units)]
    for texts, make in ((brief_texts(brief), lambda loc, msg: ck.in_brief(brief, loc, msg)),
                        (campaign_texts(ck.campaign), lambda loc, msg: ck.locate(ck.docs.campaign, loc, msg)),
                        (units, lambda loc, msg: ck.locate(ck.docs.units, loc, msg, ck.campaign.units_file))):
        found = [(loc, t) for loc, t in texts if want(t)]
        if found:
            loc, t = max(found, key=lambda item: len(item[1])) if not char else found[0]
            return make, loc, t
    return None


def longest_fitting(text: str, fits: Callable[[str], bool], steps: int = 8) -> int:
    """Characters of the longest word-prefix of ``text`` that ``fits`` accepts (0: not even one word),
    found in at most ``steps`` trials."""
    words = text.split()
    lo, hi = 0, len(words) - 1  # the whole text does not fit
    for _ in range(steps):
        if lo >= hi:
            break
        mid = (lo + hi + 1) // 2
        if fits(" ".join(words[:mid])):
            lo = mid
        else:
            hi = mid - 1
    return len(" ".join(words[:lo]))


def glyph_of(exc: BaseException | None) -> str | None:
    """The character a missing-glyph error names."""
    return (exc.char or None) if isinstance(exc, MissingGlyphError) else None


def advice(text: str, fits: Callable[[str], bool] | None, steps: int = 8) -> str:
    """How much to cut: the longest start of ``text`` that still fits."""
    if fits is None:
        return "rút gọn nội dung hoặc chọn mẫu khác"
    keep = longest_fitting(text, fits, steps)
    if not keep:
        return "không rút gọn nào vừa: tách ý hoặc chọn mẫu khác"
    return f"rút gọn còn khoảng {keep} ký tự (hiện {len(text)}, thừa {len(text) - keep})"


def without_advice(error: BaseException) -> str:
    """A fit error's measurements without its generic advice (we give a precise one)."""
    return str(error).rsplit(": ", 1)[0]


def report_failure(ck: Checker, brief: Brief, exc: Exception, drawn: str, where: str,
                   fits: Callable[[str, str], bool] | None) -> None:
    """One located problem for a text that failed in ``where`` (a frame of a template and format).

    ``drawn``: the text that failed (or "" when unknown); ``fits(field_text, shorter)``
    tells whether the drawing passes with ``field_text`` replaced by ``shorter``.
    """
    cause = exc.__context__ if isinstance(exc.__context__, (FitError, FontError)) else exc
    char = glyph_of(cause)
    found = source_of(ck, brief, drawn, char) if (drawn or char) else None
    make = (lambda msg: found[0](found[1], msg)) if found else (lambda msg: ck.in_brief(brief, (), msg))
    if char:
        ck.met_in(make(f"không vẽ được: {cause}"), where)
        return
    if isinstance(cause, FitError):
        message = f"không vừa {where}: {without_advice(cause)}"
        if found:
            text = found[2]
            message += "; " + advice(text, (lambda shorter: fits(text, shorter)) if fits else None)
    else:
        message = f"{where}: {cause}"
    ck.problems.append(make(message))


# --- laying out what each renderer draws --------------------------------------------------------

def check_scene(ck: Checker, campaign: Campaign, brief: Brief, template: str, width: float, height: float,
                units: str, unit, files: dict[str, str], label: str, reserve: float = 0.0) -> None:
    """Lay out ``brief`` with ``template`` as ``scene_for`` does; on failure, find every failing layer;
    on success, check the layout (``collide.check``) when asked and note what collides."""
    from .visual import flow
    from .visual.scene import SceneError, build_scene, context_for, render_template, scene_for

    try:
        scene = scene_for(campaign, brief, template, width, height, units, unit, files, reserve)
    except SceneError as exc:
        first = exc
    else:
        ck.drew(brief, scene, label)
        if ck.layout:
            check_layout(ck, brief, scene, template, label)
        return
    where = f"trong mẫu {template}/định dạng {label}"
    try:
        data = render_template(template, context_for(campaign, brief, width, height, units, unit, reserve))
    except SceneError as exc:
        report_failure(ck, brief, exc, "", where, None)
        return
    kit = {"colors": campaign.brand.colors, "fonts": campaign.brand.fonts, "root": campaign.root, "files": files}
    pages = data.get("pages") or [{"background": data.get("background"), "layers": data.get("layers") or []}]
    failed = False
    for page in pages:
        items = [leaf for item in page.get("layers") or [] if item
                 for leaf in (flow.leaves(item) if item.get("type") == "stack" else [item])]
        for item in items:
            one = {"safe": data.get("safe"), "background": page.get("background") or data.get("background"),
                   "layers": [item]}

            def fits(field_text: str, shorter: str, item=item, one=one) -> bool:
                changed = {**item, "text": str(item.get("text", "")).replace(field_text, shorter)}
                try:
                    build_scene({**one, "layers": [changed]}, width, height, units, where=where, **kit)
                    return True
                except SceneError:
                    return False

            try:
                build_scene(one, width, height, units, where=where, **kit)
            except SceneError as exc:
                failed = True
                name = item.get("name", "")
                report_failure(ck, brief, exc, str(item.get("text", "")),
                               f"khung {name!r} {where}" if name else where, fits)
    if not failed:  # not a layer of its own (a page colour, the whole template): say it as it is
        report_failure(ck, brief, first, "", where, None)


def check_layout(ck: Checker, brief: Brief, scene, template: str, label: str) -> None:
    """Note every collision of a laid-out scene (``studio.visual.collide``) on the brief field whose
    text collides, or on the brief; the same collision in several formats is said once."""
    from .visual import collide
    from .visual.scene import TEMPLATE_ROOT, template_path

    named = {layer.name: layer for page in scene.pages for layer in page.layers}
    for hit in collide.check(scene):
        texts = [named[n] for n in hit.layers if n in named and named[n].type == "text"]
        found = next((f for layer in texts if (f := source_of(ck, brief, layer.get("text", ""))) is not None), None)
        where = f"bố cục mẫu {template} ({template_path(template).relative_to(TEMPLATE_ROOT.parent)})"
        if hit.kind == "empty":  # one note per brief and template, whatever the page, size or height
            message = (f"{where}: còn khoảng trống cao hơn {collide.MAX_EMPTY_BAND:.0%} trang không có nội dung; "
                       "nội dung ít so với khổ này: thêm nội dung hoặc chọn mẫu khác")
        else:
            advice = ("rút gọn chữ này; nếu vẫn vậy, báo người giữ mẫu" if found is not None
                      else "lỗi của mẫu: báo người giữ mẫu")
            message = f"{where}, trang {hit.page + 1}: {hit.what}; {advice}"
        problem = found[0](found[1], message) if found else ck.in_brief(brief, (), message)
        ck.collisions.setdefault(problem, []).append(label)


def check_visual(ck: Checker, job: RenderJob, ctx: JobContext) -> None:
    from .visual.scene import default_template

    fmt = FORMATS[job.format].options
    brief = ctx.campaign.brief(job.brief)
    unit = ctx.tree[job.unit] if job.unit in ctx.tree and ctx.tree[job.unit].level != "province" else None
    check_scene(ck, ctx.campaign, brief, default_template(fmt["family"], brief), fmt["width"], fmt["height"],
                fmt["units"], unit, ctx.inputs.files, job.format)


PLACEHOLDER = "A"


def check_deck(ck: Checker, job: RenderJob, ctx: JobContext) -> None:
    """The phase deck in memory; a brief that breaks it is found by building its slides alone."""
    from .deck.builder import SCENE_PX, DeckBuilder, DeckError, pictured, scene_template

    campaign, files = ctx.campaign, ctx.inputs.files
    phase = campaign.phase(job.phase)

    def error(briefs: list[Brief]) -> DeckError | None:
        try:
            DeckBuilder(campaign, phase, files).build(briefs, scenes=False)  # scenes: checked below
        except DeckError as exc:
            return exc
        return None

    draft = any(not b.approved for b in campaign.briefs)
    for brief in campaign.briefs:
        template = scene_template(brief)
        if template is not None:
            check_scene(ck, campaign, pictured(brief, draft), template, *SCENE_PX, "px", None, files, job.format)
    whole = error(campaign.briefs)
    if whole is None:
        return
    blamed = False
    for brief in campaign.briefs:
        blamed |= check_deck_brief(ck, brief, error, job.format)
    if not blamed:
        loc = phase_locs(campaign).get(phase.id, ("phases",))
        ck.at(ck.docs.campaign, loc, f"bài trình chiếu giai đoạn {phase.id}: {whole}")


def check_deck_brief(ck: Checker, brief: Brief, error, label: str) -> bool:
    """Find each field of ``brief`` that breaks its slides: the field whose replacement by a placeholder
    changes the deck's error, one after another until the slides build. Returns whether any did."""
    exc = error([brief])
    current, texts = brief, brief_texts(brief)
    broken = exc is not None
    while exc is not None:
        named = str(exc)  # the builder names the slot's field when it knows it: try that first
        texts.sort(key=lambda item: f"trường {item[0][0]}" not in named)
        found = first_culprit(current, texts, named, error)
        if found is None:
            ck.brief_at(brief, (), f"bài trình chiếu ({label}): {exc}")
            break
        loc, text, current, after = found
        if glyph_of(exc.__cause__):
            ck.met_in(ck.in_brief(brief, loc, f"không vẽ được: {exc.__cause__}"), f"bài trình chiếu {label}")
        else:
            def fits(shorter: str, loc=loc, base=current, after=after) -> bool:
                again = error([replace_field(base, loc, shorter)])
                return (again is None) if after is None else str(again) == str(after)

            ck.brief_at(brief, loc, f"không vừa khung trong bài trình chiếu ({label}): {without_advice(exc)}; "
                                    + advice(text, fits, steps=5))
        exc = after
        texts = [(k, t) for k, t in texts if k != loc]
    return broken


def first_culprit(brief: Brief, texts: list[tuple[tuple, str]], named: str, error):
    """The first field whose replacement by a placeholder changes the deck error ``named``:
    (field path, its text, the brief with it replaced, the error then, or None)."""
    for loc, text in texts:
        trial = replace_field(brief, loc, PLACEHOLDER)
        after = error([trial])
        if after is None or str(after) != named:
            return loc, text, trial, after
    return None


def replace_field(brief: Brief, loc: tuple, value: str) -> Brief:
    data = brief.model_dump()
    node = data
    for key in loc[:-1]:
        node = node[key]
    node[loc[-1]] = value
    return Brief.model_validate(data)


def check_bulletin(ck: Checker, job: RenderJob, ctx: JobContext) -> None:
    from .radio import job_script
    from .radio.script import ScriptError

    try:
        job_script(job, ctx)
    except ScriptError as exc:
        ck.problems.append(Problem("templates/radio", 0, "", str(exc)))


def check_video(ck: Checker, job: RenderJob, ctx: JobContext) -> None:
    """The video's narration text, subtitles, cards and first still (the others are skipped when they fail)."""
    from .radio import split_sentences
    from .video import cards, subtitles
    from .video.sources import still_templates

    campaign, brief = ctx.campaign, ctx.campaign.brief(job.brief)
    fmt = FORMATS[job.format].options
    width, height = fmt["width"], fmt["height"]
    sentences = [s for text in [brief.headline, *brief.key_messages] for s in split_sentences(text)]
    if not sentences:
        ck.brief_at(brief, ("headline",), "video cần lời đọc: tiêu đề và ý chính đều trống")
        return
    where = f"video {job.format}"
    try:
        style = subtitles.Style.for_frame(width, height, subtitles.subtitle_font(campaign.brand.fonts,
                                                                                 " ".join(sentences)),
                                          keep_phrases(campaign))
        subtitles.split_cues([(0.0, 1.0, s) for s in sentences], style)
    except (FontError, ValueError) as exc:
        report_failure(ck, brief, exc, " ".join(sentences), f"phụ đề {where}", None)
        return
    for kind in ("opening", "closing"):
        for block in cards.blocks(kind, campaign, brief, width, height):
            try:
                cards.fit_block(block)
            except (FitError, FontError) as exc:
                card_name = "thẻ mở đầu" if kind == "opening" else "thẻ kết thúc"
                report_failure(ck, brief, exc, block[0], f"khung chữ của {card_name} trong {where}",
                               lambda field, shorter, block=block: _fits(
                                   lambda: cards.fit_block(block, block[0].replace(field, shorter))))
    check_scene(ck, campaign, brief, still_templates(brief)[0], width, height, "px", None,
                ctx.inputs.files, job.format, style.band())


def _fits(layout: Callable[[], object]) -> bool:
    try:
        layout()
        return True
    except FitError:
        return False


CHECKS = {"visual": check_visual, "deck": check_deck, "bulletin": check_bulletin, "video": check_video}


def own_template(job: RenderJob) -> bool:
    """Whether a job draws its brief with the brief's own template (infographics, video stills)."""
    return job.kind == "video" or FORMATS[job.format].options.get("family") == "infographic"


def plan_warnings(campaign: Campaign) -> list[Problem]:
    """What the briefs ask for that the plan does not make, or makes otherwise (``plan.survey``,
    as ``studio plan`` lists it), located on the brief's field (or the channel's level): ``studio
    validate`` shows them as warnings, which stop nothing."""
    docs = Docs.read(campaign)
    channels = [c.id for c in campaign.channels]
    out = []
    for gap, formats in grouped(survey(campaign).gaps):
        what = "ghi chú" if gap.made else "sẽ không làm"
        where = f"{gap.phase}, kênh {gap.channel}" + (f", {', '.join(formats)}" if formats else "")
        message = f"{what} ({where}): {gap.reason}"
        if gap.brief is None:
            loc = ("channels", channels.index(gap.channel), gap.field)
            out.append(Checker.locate(docs.campaign, loc, message, "campaign.yaml"))
            continue
        brief = campaign.brief(gap.brief)
        out.append(Checker.locate(docs.briefs.get(brief.id), (gap.field,), message, brief.source or brief.id))
    return out


def dry_run(campaign: Campaign, fit: bool = True, notes: list[Problem] | None = None,
            docs: Docs | None = None) -> list[Problem]:
    """Every problem a build of ``campaign`` would meet, located; nothing is rendered.

    ``fit=False`` skips laying out the planned jobs (brand, images, ids, audio and
    templates are still checked): the benchmark's baseline. ``notes``, when given, receives
    what builds but is worth knowing, located too: the statistics, key messages or timeline
    steps a template cannot show (from its declared capacity), phases a timeline can only date,
    and every collision in a laid-out scene (``studio.visual.collide``: text touching text, text
    out of its box, art across a fold, a band of wasted space). ``docs``: the YAML the campaign was
    read from, when it is not (yet) on disk (a brief edited in the portal).
    """
    ck = Checker(campaign, layout=notes is not None, docs=docs)
    try:
        return _walk(ck, campaign, fit)
    finally:
        if notes is not None:
            notes.extend(sorted(dict.fromkeys(ck.notes + ck.left_out() + ck.collided()),
                                key=lambda p: (p.file != "campaign.yaml", p.file, p.line)))


def _walk(ck: Checker, campaign: Campaign, fit: bool) -> list[Problem]:
    brand = check_brand(ck)
    check_bleed(ck)
    check_audio(ck)
    briefs, no_template = check_briefs(ck)
    briefs = check_characters(ck, briefs)
    check_markup(ck, briefs)
    if not fit:
        return ck.result()
    # Broken brand entries get defaults and broken images are left out, so what follows
    # reports the other problems instead of repeating these.
    usable = campaign.model_copy(update={"brand": brand, "briefs": briefs})
    ctx = BuildContext(usable, Path(campaign.root) / ".studio-check")  # never written: nothing renders
    registry = plugins.load()
    for job in expand(usable):
        renderer, check = registry.get(job.kind), CHECKS.get(job.kind)
        if renderer is None or check is None or (job.brief in no_template and own_template(job)):
            continue
        try:
            check(ck, job, JobContext(renderer.inputs(job, ctx), ctx.out_root, ctx.cache))
        except Exception as exc:  # noqa: BLE001 — what the checks did not foresee still fails the build: say so
            where = usable.brief(job.brief).source if job.brief else "campaign.yaml"
            ck.problems.append(Problem(where, 0, "", f"{FORMATS[job.format].name} ({job.id}) sẽ không tạo được: "
                                                     f"{type(exc).__name__}: {exc}"))
    return ck.result()
