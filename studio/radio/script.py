"""Bulletin scripts: a list of items built from the briefs, each item's text from a Jinja2 block.

The items are data: Python decides them (each top-level ``{% block %}`` of
``templates/radio/bulletin.txt.j2`` in the template's order, the ``brief`` block
once per brief) and renders each block on its own, so nothing a brief says can
create, end or reorder an item or name a voice-over. A campaign may override
either template with its own ``templates/radio/<name>.j2``. The announcer script
adds headings and an estimated reading time per item and in total; the spoken
text is what the TTS engine reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from .. import vi
from ..campaign import URGENCY_WORDS, most_urgent
from ..templates import template_files
from ..text import SENTENCE_BREAK, nfc, same_words
from .normalize import SpokenForm, normalizer_for

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "radio"
TEMPLATE_NAMES = ("bulletin.txt.j2", "announcer.txt.j2")
#: Reading rate of a loudspeaker announcer, in syllables (Vietnamese words) per minute.
READING_RATE = 160
PAUSE_S = 0.8  # silence after each item
HEADING = "_heading"  # block ``<kind>_heading`` is the heading of item ``<kind>``


class ScriptError(ValueError):
    """A template problem; the message names the template and what to fix (Vietnamese)."""


@dataclass
class Item:
    """One bulletin item: ``kind`` is its block's name; ``brief_id`` is set on ``brief`` items only."""

    kind: str
    heading: str
    text: str
    brief_id: str | None = None
    spoken: str = ""
    voiceover: str | None = None

    @property
    def seconds(self) -> float:
        return len(self.spoken.split()) * 60 / READING_RATE + PAUSE_S


@dataclass
class Script:
    items: list[Item]
    priority: str
    station: str
    context: dict = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return sum(i.seconds for i in self.items)

    @property
    def spoken_text(self) -> str:
        return "\n\n".join(i.spoken for i in self.items) + "\n"


def sentence(text: str) -> str:
    """End a heading or message with a full stop so the reader pauses."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def sentences(line: str, speak: SpokenForm) -> list[str]:
    """The sentences of one line: split after ``. ! ? …`` before a capital or a digit, never after an
    abbreviation of the dictionary that ends in a dot ("TP. Hà Tĩnh")."""
    dotted = tuple(k for k in speak.abbreviations if k.endswith("."))
    out: list[str] = []
    for piece in SENTENCE_BREAK.split(line.strip()):
        if out and out[-1].endswith(dotted):
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return out


def said_once(text: str, speak: SpokenForm) -> str:
    """``text`` (an item's lines) without the sentences it already said: two sentences are the same when
    their spoken forms have the same words (case and punctuation aside: "112" and "một một hai", "UBND"
    and "Ủy ban nhân dân" alike); the first is kept. A brief whose body repeats a key message, read
    after its key messages, says it once."""
    heard: set[tuple[str, ...]] = set()
    lines = []
    for line in text.splitlines():
        kept = []
        for sentence in sentences(line, speak):
            words = same_words(speak(sentence))
            if words and words in heard:
                continue
            heard.add(words)
            kept.append(sentence)
        if kept:
            lines.append(" ".join(kept))
    return "\n".join(lines)


def environment(campaign_root: str | Path = "") -> jinja2.Environment:
    """One Jinja2 environment per campaign and set of override files (compiled templates are reused)."""
    paths = tuple(str(p) for p in template_paths(campaign_root))
    return _environment(str(campaign_root), paths, tuple(Path(p).stat().st_mtime_ns for p in paths))


@lru_cache(maxsize=8)
def _environment(campaign_root: str, paths: tuple[str, ...], stamps: tuple[int, ...]) -> jinja2.Environment:
    folders = [Path(campaign_root) / "templates" / "radio"] if campaign_root else []
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([*map(str, folders), str(BUILTIN_TEMPLATES)]),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, autoescape=False)  # plain text, never markup
    env.filters.update(vn_number=vi.number, vn_stat=vi.stat, vn_date=vi.spoken_date, duration=vi.spoken_duration,
                       sentence=sentence, upper=vi.upper)  # the announcer's headings: "7h00" stays as written
    return env


def template_paths(campaign_root: str | Path = "") -> list[Path]:
    """The template files actually used (campaign overrides first) with what they include:
    their bytes go into the inputs hash."""
    env = _environment(str(campaign_root), (), ())
    return list(dict.fromkeys(p for name in TEMPLATE_NAMES for p in template_files(env, name)))


def _render_block(template: jinja2.Template, name: str, context: dict) -> str:
    return nfc("".join(template.blocks[name](template.new_context(context))))


def render_items(template: jinja2.Template, context: dict, briefs) -> list[Item]:
    """One item per top-level block in the template's order (``brief``: one per brief), empty ones left out.

    Each block is rendered alone, so its output is only ever the text of its own item."""
    items: list[Item] = []
    for kind in (name for name in template.blocks if not name.endswith(HEADING)):
        if kind == "brief":
            cases = [(b.id, {**context, "brief": b, "number": n}) for n, b in enumerate(briefs, 1)]
        else:
            cases = [(None, context)]
        for brief_id, values in cases:
            lines = [line.strip() for line in _render_block(template, kind, values).splitlines()]
            heading = _render_block(template, kind + HEADING, values) if kind + HEADING in template.blocks else kind
            items.append(Item(kind, " ".join(heading.split()), "\n".join(line for line in lines if line), brief_id))
    return [i for i in items if i.text]


def build_script(campaign, phase, unit, briefs, day: str | None = None,
                 voiceovers: dict[str, Path] | None = None, *, slot: str | None = None,
                 emergency: bool = False) -> Script:
    """Build the bulletin's items for one unit (and day, and broadcast slot) and give every item
    its spoken form. ``emergency``: the immediate bulletin of an emergency brief, whose ``brief``
    item is read ``campaign.audio.emergency_repeat`` times.

    Templates see the phase under its public name only (``phase.name`` is ``public_name``, empty
    when there is none): the plan's internal name is never read on air."""
    env = environment(campaign.root)
    slogans: list[str] = []
    for brief in briefs:
        slogans += [s for s in brief.slogans if s not in slogans]
    priority = most_urgent(b.priority for b in briefs)
    read = [b for b in briefs for _ in range(campaign.audio.emergency_repeat)] if emergency else briefs
    on_air = phase.model_copy(update={"name": phase.public_name})
    context = {"campaign": campaign, "phase": on_air, "unit": unit, "briefs": briefs, "day": day,
               "slot": slot, "slot_name": vi.part_of_day(slot), "emergency": emergency,
               "slogans": [] if emergency else slogans, "priority": priority,
               "priority_label": URGENCY_WORDS[priority], "station": f"Đài truyền thanh {unit.display_name}"}
    where = template_paths(campaign.root)[0]
    try:
        template = env.get_template("bulletin.txt.j2")
        items = render_items(template, context, read)
    except jinja2.TemplateError as exc:
        line = f":{exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise ScriptError(f"{where}{line}: lỗi mẫu bản tin ({unit.display_name}): {exc}. "
                          "Sửa mẫu rồi chạy lại.") from exc
    if not any(not name.endswith(HEADING) for name in template.blocks):
        raise ScriptError(f"{where}: mẫu bản tin không có khối nào; mỗi mục là một khối "
                          "{% block loại %}…{% endblock %} (dòng \"@@ loại | tiêu đề\" không còn được dùng, "
                          "xem docs/radio.md).")
    if not items:
        raise ScriptError(f"{where}: bản tin của {unit.display_name} không có mục nào.")
    speak = normalizer_for(campaign.audio.abbreviations)
    for item in items:
        item.text = said_once(item.text, speak)
        item.spoken = " ".join(speak(line) for line in item.text.splitlines())
        if item.brief_id and voiceovers and item.brief_id in voiceovers:
            item.voiceover = voiceovers[item.brief_id].name
    return Script(items, priority, context["station"], context)


def announcer_text(script: Script, campaign_root: str | Path = "") -> str:
    env = environment(campaign_root)
    return nfc(env.get_template("announcer.txt.j2").render(
        **script.context, items=script.items, total_s=script.total_s, rate=READING_RATE))
