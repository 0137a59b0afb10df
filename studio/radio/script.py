"""Bulletin scripts from Jinja2 text templates: items for the announcer and their spoken form.

``templates/radio/bulletin.txt.j2`` writes the bulletin as items, each opened by
a line ``@@ kind | heading``. A campaign may override either template with its
own ``templates/radio/<name>.j2``. The announcer script adds headings and an
estimated reading time per item and in total; the spoken text is what the TTS
engine reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from .. import vi
from ..templates import template_files
from ..text import nfc
from .normalize import normalizer_for

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "radio"
TEMPLATE_NAMES = ("bulletin.txt.j2", "announcer.txt.j2")
#: Reading rate of a loudspeaker announcer, in syllables (Vietnamese words) per minute.
READING_RATE = 160
PAUSE_S = 0.8  # silence after each item
PRIORITY_ORDER = ("normal", "priority", "emergency")
PRIORITY_LABELS = {"normal": "thông thường", "priority": "ưu tiên", "emergency": "khẩn cấp"}
_ITEM = re.compile(r"^@@\s*([\w:.-]+)\s*\|\s*(.*)$")


class ScriptError(ValueError):
    """A template problem; the message names the template and what to fix (Vietnamese)."""


@dataclass
class Item:
    kind: str
    heading: str
    text: str
    spoken: str = ""
    voiceover: str | None = None

    @property
    def brief_id(self) -> str | None:
        return self.kind.split(":", 1)[1] if self.kind.startswith("brief:") else None

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
    env.filters.update(vn_number=vi.number, vn_date=vi.spoken_date, duration=vi.spoken_duration, sentence=sentence)
    return env


def template_paths(campaign_root: str | Path = "") -> list[Path]:
    """The template files actually used (campaign overrides first) with what they include:
    their bytes go into the inputs hash."""
    env = _environment(str(campaign_root), (), ())
    return list(dict.fromkeys(p for name in TEMPLATE_NAMES for p in template_files(env, name)))


def parse_items(text: str, template: str) -> list[Item]:
    items: list[Item] = []
    for line in text.splitlines():
        match = _ITEM.match(line.strip())
        if match:
            items.append(Item(match.group(1), match.group(2).strip(), ""))
        elif line.strip():
            if not items:
                raise ScriptError(f"{template}: văn bản trước mục đầu tiên; mỗi mục phải mở đầu bằng "
                                  f"dòng \"@@ loại | tiêu đề\".")
            items[-1].text += line.strip() + "\n"
    for item in items:
        item.text = item.text.strip()
    return [i for i in items if i.text]


def build_script(campaign, phase, unit, briefs, day: str | None = None,
                 voiceovers: dict[str, Path] | None = None) -> Script:
    """Render the bulletin template for one unit (and day) and give every item its spoken form."""
    env = environment(campaign.root)
    slogans: list[str] = []
    for brief in briefs:
        slogans += [s for s in brief.slogans if s not in slogans]
    priority = max((b.priority for b in briefs), key=PRIORITY_ORDER.index, default="normal")
    context = {"campaign": campaign, "phase": phase, "unit": unit, "briefs": briefs, "day": day,
               "slogans": slogans, "priority": priority, "priority_label": PRIORITY_LABELS[priority],
               "station": f"Đài truyền thanh {unit.display_name}"}
    try:
        text = nfc(env.get_template("bulletin.txt.j2").render(context))
    except jinja2.TemplateError as exc:
        line = f":{exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise ScriptError(f"{template_paths(campaign.root)[0]}{line}: lỗi mẫu bản tin ({unit.display_name}): {exc}. "
                          "Sửa mẫu rồi chạy lại.") from exc
    items = parse_items(text, "bulletin.txt.j2")
    if not items:
        raise ScriptError(f"bulletin.txt.j2: bản tin của {unit.display_name} không có mục nào.")
    speak = normalizer_for(campaign.audio.abbreviations)
    for item in items:
        item.spoken = " ".join(speak(line) for line in item.text.splitlines() if line.strip())
        if item.brief_id and voiceovers and item.brief_id in voiceovers:
            item.voiceover = voiceovers[item.brief_id].name
    return Script(items, priority, context["station"], context)


def announcer_text(script: Script, campaign_root: str | Path = "") -> str:
    env = environment(campaign_root)
    return nfc(env.get_template("announcer.txt.j2").render(
        **script.context, items=script.items, total_s=script.total_s, rate=READING_RATE))
