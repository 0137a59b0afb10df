"""The campaign model: phases, channels, units, briefs.

Pydantic models with ``extra="forbid"`` so a misspelt key is an error, not a
silently ignored setting. Cross-references (phase, channel, unit ids) and dates
are checked by ``studio.loader`` where the file and line are known.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from .text import SLUG_MAX, SLUG_PATTERN
from .units import Level, Unit, UnitTree

Slug = Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX)
Priority = Literal["normal", "priority", "emergency"]
#: Smart loudspeaker priorities (Thông tư 39/2020/TT-BTTTT), most urgent first: the one order of urgency.
URGENCY: tuple[str, ...] = ("emergency", "priority", "normal")
#: The Vietnamese word for each priority, the one table every page, feed, script and ID3 tag uses.
URGENCY_WORDS: dict[str, str] = {"emergency": "khẩn cấp", "priority": "ưu tiên", "normal": "thông thường"}


def emergency_title(title: str) -> str:
    """An emergency bulletin's title: "Bản tin khẩn: <the brief's title>", unless that title says it already
    ("THÔNG BÁO KHẨN: Sơ tán…"), which would read "Bản tin khẩn: THÔNG BÁO KHẨN: …"."""
    return title if "khẩn" in title.lower() else f"Bản tin khẩn: {title}"


def most_urgent(priorities) -> str:
    """The most urgent of some priorities ("normal" when there are none)."""
    return min(priorities, key=URGENCY.index, default="normal")
#: A daily phase asks for a bulletin per commune and day: longer than this is a typo, not a plan.
MAX_DAILY_DAYS = 62


def _filled(value: str) -> str:
    if not value.strip():
        raise ValueError("chưa điền: không được để trống (chỉ có khoảng trắng)")
    return value


def _real(value: object) -> object:
    """A number the user wrote: not true/false (YAML reads ``yes`` as true), not NaN or infinity."""
    if isinstance(value, bool):
        raise ValueError(f"cần một số, nhận được {str(value).lower()}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("cần một số thực hữu hạn, nhận được NaN hoặc vô cực")
    return value


#: Text that must say something: empty or whitespace-only is an error, not a blank on a poster.
Text = Annotated[str, AfterValidator(_filled)]
Number = Annotated[float, BeforeValidator(_real)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(Model):
    start: date
    end: date


class Phase(Model):
    """A campaign phase (Đợt) or sub-phase; ``daily`` asks for a bulletin each day."""

    id: str = Slug
    name: Text  # internal: the plan's own words ("Đợt 2.1 — Trước Đại hội"), never printed or read on air
    public_name: str = ""  # what public outputs call the phase; without it they name no phase
    start: date
    end: date
    content_lines: list[str] = []
    peak: Window | None = None
    daily: bool = False
    subphases: list[Phase] = []

    def days(self) -> list[date]:
        from datetime import timedelta

        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _lufs(value: float) -> float:
    if not -30 <= value <= -10:
        raise ValueError(f"độ lớn phải từ -30 đến -10 LUFS (truyền hình theo EBU R128: -23; mạng xã hội: -14 đến "
                         f"-16), nhận được {value:g}")
    return value


def _true_peak(value: float) -> float:
    if not -9 <= value <= 0:
        raise ValueError(f"đỉnh thực phải từ -9 đến 0 dBTP (truyền hình theo EBU R128: -1), nhận được {value:g}")
    return value


class Loudness(Model):
    """What a channel's videos are mastered to: integrated loudness and true-peak ceiling, measured on the
    encoded file (defaults per format: ``studio.formats``)."""

    target_lufs: Annotated[float, BeforeValidator(_real), AfterValidator(_lufs)]
    true_peak_db: Annotated[float, BeforeValidator(_real), AfterValidator(_true_peak)] = -1.0


class Channel(Model):
    """A distribution channel of the plan and the asset formats it needs."""

    id: str = Slug
    name: Text
    unit_level: Level = "province"
    formats: list[str]
    bleed_mm: Bleed | None = None  # the print shop's bleed for this channel's PDFs (wins over the campaign's)
    loudness: Loudness | None = None  # this channel's videos (wins over the format's default: TV −23, social −16)


class Audience(Model):
    id: str = Slug
    name: Text


def _ink_values(value: list[float]) -> list[float]:
    if len(value) != 4 or not all(0 <= v <= 100 for v in value):
        raise ValueError(f"cần bốn số C, M, Y, K từ 0 đến 100 (phần trăm mực), ví dụ [0, 100, 85, 0]; "
                         f"nhận được {value}")
    return value


def _bleed(value: float) -> float:
    if not 0 <= value <= MAX_BLEED_MM:
        raise ValueError(f"lề xén (bleed) phải từ 0 đến {MAX_BLEED_MM} mm, nhận được {value:g}")
    return value


#: A bleed wider than this is a typo: a 4 m pa nô's frame wrap needs about 50 mm.
MAX_BLEED_MM = 200
Bleed = Annotated[float, BeforeValidator(_real), AfterValidator(_bleed)]


#: Colours of an emergency brief's visuals, set apart from the brand's look: the alarm colour (the "KHẨN"
#: banner, rules, bullets) and the ground the notice is printed on. A brand kit may set its own.
EMERGENCY_COLORS = {"emergency": "#D50000", "emergency-ground": "#FFD400"}


def _with_emergency(colors: dict[str, str]) -> dict[str, str]:
    return {**EMERGENCY_COLORS, **colors}


class BrandKit(Model):
    colors: Annotated[dict[str, str], AfterValidator(_with_emergency)] = {
        "primary": "#C8102E", "accent": "#FFCD00", "ink": "#1A1A1A", "paper": "#FFFFFF", "muted": "#6B6B6B",
        **EMERGENCY_COLORS,
    }
    # A designer's print values for some colours (role → C, M, Y, K in %): they win over the profile's conversion.
    cmyk: dict[str, Annotated[list[Number], AfterValidator(_ink_values)]] = {}
    fonts: dict[str, str] = {"heading": "BeVietnamPro-Bold", "body": "NotoSans-Regular", "serif": "NotoSerif-Regular"}
    logo: str | None = None


def _repeat(value: int) -> int:
    if not 1 <= value <= MAX_EMERGENCY_REPEAT:
        raise ValueError(f"số lần đọc lại phải từ 1 đến {MAX_EMERGENCY_REPEAT}, nhận được {value}")
    return value


def _clock(value: object) -> object:
    """YAML 1.1 reads an unquoted ``17:00`` as the base-60 number 1020: give back the time written."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


def _slots(value: list[str]) -> list[str]:
    """Broadcast times of the day, ``HH:MM``, in order, at least one."""
    for slot in value:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", slot):
            raise ValueError(f"giờ phát {slot!r} không hợp lệ: viết dạng HH:MM, ví dụ \"06:00\"")
    if not value or value != sorted(set(value)) or len(value) > MAX_SLOTS:
        raise ValueError(f"cần từ 1 đến {MAX_SLOTS} giờ phát khác nhau, theo thứ tự trong ngày (ví dụ [\"06:00\", "
                         f"\"17:00\"]), nhận được {value}")
    return value


Clock = Annotated[str, BeforeValidator(_clock)]
#: An emergency bulletin reads its notice at most this many times; a day has at most this many broadcast slots.
MAX_EMERGENCY_REPEAT, MAX_SLOTS = 10, 6


class AudioSettings(Model):
    engine: str = "espeak-ng"
    voice: str = "vi"
    target_lufs: float = -16.0
    true_peak_db: float = -1.5
    bitrate_kbps: int = 128
    sample_rate: int = 44100
    highpass_hz: int = 120
    jingle: bool = True
    abbreviations: dict[str, str] = {}
    # How many times an emergency brief's own bulletin reads the notice.
    emergency_repeat: Annotated[int, BeforeValidator(_real), AfterValidator(_repeat)] = 3
    # The station's broadcast times; on a peak day of a daily phase each gets its own daily bulletin.
    slots: Annotated[list[Clock], AfterValidator(_slots)] = ["06:00", "17:00"]


class StorageTarget(Model):
    id: str = Slug
    url: str
    endpoint_url: str | None = None
    region: str | None = None
    # Podcast apps read the published files without credentials: publish makes the phases' files and the
    # unit pages/feeds readable by anyone (S3 bucket policy) and points feeds at their plain addresses.
    public_read: bool = False


class Campaign(Model):
    id: str = Slug
    title: Text
    issuer: Text
    contact_email: str | None = None  # the podcast feeds' itunes:owner (Apple writes to it to verify ownership)
    language: str = "vi"
    plan_ref: str = ""
    brand: BrandKit = BrandKit()
    phases: list[Phase]
    channels: list[Channel]
    audiences: list[Audience] = []
    units_file: str = "units.yaml"
    audio: AudioSettings = AudioSettings()
    storage: list[StorageTarget] = []
    keep_together: list[Text] = []  # names and fixed phrases a line never breaks inside
    # Bleed of print PDFs by format id or family ("pano", "poster-a0"), over the format's default.
    bleed_mm: dict[str, Bleed] = {}

    # Filled by the loader, not read from campaign.yaml.
    root: str = ""
    units: list[Unit] = []
    briefs: list[Brief] = []

    def all_phases(self) -> list[Phase]:
        """Phases and sub-phases, depth first, in plan order."""
        out: list[Phase] = []

        def walk(phases: list[Phase]) -> None:
            for phase in phases:
                out.append(phase)
                walk(phase.subphases)

        walk(self.phases)
        return out

    def phase(self, phase_id: str) -> Phase:
        for phase in self.all_phases():
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    def phase_with_children(self, phase_id: str) -> list[str]:
        phase = self.phase(phase_id)
        out = [phase.id]
        for sub in phase.subphases:
            out += self.phase_with_children(sub.id)
        return out

    def channel(self, channel_id: str) -> Channel:
        return next(c for c in self.channels if c.id == channel_id)

    def brief(self, brief_id: str) -> Brief:
        return next(b for b in self.briefs if b.id == brief_id)

    def unit_tree(self) -> UnitTree:
        return UnitTree(self.units)


class Stat(Model):
    label: Text
    value: Number
    unit: str = ""
    source: str = ""
    illustrative: bool = False


class Approval(Model):
    status: Literal["draft", "approved"] = "draft"
    by: str | None = None
    at: datetime | None = None


def draft_meta(briefs) -> dict:
    """What an output made from ``briefs`` says of itself when some are drafts (it carries "DỰ THẢO"):
    ``{"drafts": [their ids]}`` in its artifact's meta, as bulletins do, so publish never sends it out
    as approved, even when its briefs are approved after it was built."""
    drafts = sorted(b.id for b in briefs if not b.approved)
    return {"drafts": drafts} if drafts else {}


class Image(Model):
    path: str
    alt: str = ""


def _web_address(value: str) -> str:
    """A QR code's target: an absolute http(s) address with nothing a reader could mistype."""
    if not re.fullmatch(r"https?://[^\s<>\"'`]+", value):
        raise ValueError("cần một địa chỉ web đầy đủ bắt đầu bằng https:// (không có khoảng trắng)")
    return value


WebAddress = Annotated[str, Field(max_length=500), AfterValidator(_web_address)]


class TimelineItem(Model):
    """A step of a brief's own timeline (rounds of consultation, a storm's forecast): what the
    timeline template draws, instead of the campaign's phases."""

    label: Text
    start: date | None = None
    end: date | None = None
    detail: str = ""


class Brief(Model):
    id: str = Slug
    phase: str
    title: Text
    headline: Text
    key_messages: list[Text] = Field([], max_length=20)
    body: str = ""
    stats: list[Stat] = Field([], max_length=20)
    slogans: list[Text] = Field([], max_length=10)
    channels: list[str]
    formats: list[str] = []
    targets: list[str] = Field([], max_length=500)
    audiences: list[str] = []
    priority: Priority = "normal"
    approval: Approval = Approval()
    start: date | None = None
    end: date | None = None
    images: list[Image] = Field([], max_length=10)
    qr: WebAddress | None = None  # a web address drawn as a QR code, printed beside it
    timeline: list[TimelineItem] | Literal["phases"] = Field([], max_length=12)  # "phases": the campaign's
    template: str | None = None

    # Filled by the loader.
    source: str = ""

    @property
    def approved(self) -> bool:
        return self.approval.status == "approved"


Campaign.model_rebuild()
