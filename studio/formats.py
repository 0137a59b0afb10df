"""The catalogue of asset formats a channel can ask for.

A format names the renderer kind that makes it, how often it is made
(``brief``: once per brief; ``phase``: once per phase; ``day``: once per day of
a ``daily`` phase) and the options its renderer reads (sizes, units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Scope = Literal["brief", "phase", "day"]


@dataclass(frozen=True)
class Format:
    id: str
    kind: str
    scope: Scope
    media_type: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)


FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    FORMATS[fmt.id] = fmt
    return fmt


for _w, _h in ((1080, 1080), (1080, 1350), (1200, 628), (1080, 1920)):
    register_format(Format(f"infographic-{_w}x{_h}", "visual", "brief", "image/png", f"Infographic {_w}×{_h}",
                           {"family": "infographic", "width": _w, "height": _h, "units": "px"}))
#: Print bleed (mm): 3 mm for sheet-fed A-sizes; a pa nô is flex stretched over a box-section steel frame,
#: so its print must wrap the frame's side (30–40 mm) and reach the back to be laced or stapled: 50 mm, the
#: top of what large-format shops ask (25 mm is enough for a hemmed banner with eyelets: set it per channel).
A_SIZE_BLEED_MM, PANO_BLEED_MM = 3.0, 50.0
for _w, _h in ((4000, 2000), (3000, 1500), (1200, 2400)):
    register_format(Format(f"pano-{_w}x{_h}", "visual", "brief", "application/pdf", f"Pa nô {_w}×{_h} mm",
                           {"family": "pano", "width": _w, "height": _h, "units": "mm", "bleed_mm": PANO_BLEED_MM}))
for _name, (_w, _h) in {"a0": (841, 1189), "a3": (297, 420)}.items():
    register_format(Format(f"poster-{_name}", "visual", "brief", "application/pdf", f"Áp phích {_name.upper()}",
                           {"family": "poster", "width": _w, "height": _h, "units": "mm", "bleed_mm": A_SIZE_BLEED_MM}))
register_format(Format("leaflet-a4", "visual", "brief", "application/pdf", "Tờ gấp A4 ba lá",
                       {"family": "leaflet", "width": 297, "height": 210, "units": "mm", "bleed_mm": A_SIZE_BLEED_MM}))
register_format(Format("deck-16x9", "deck", "phase",
                       "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       "Bài trình chiếu 16:9", {}))
register_format(Format("bulletin", "bulletin", "phase", "audio/mpeg", "Bản tin truyền thanh", {}))
register_format(Format("bulletin-daily", "bulletin", "day", "audio/mpeg", "Bản tin truyền thanh hằng ngày", {}))
#: An emergency brief's own bulletin, to broadcast at once: alert tone, the brief read ``audio.emergency_repeat`` times.
EMERGENCY = register_format(Format("bulletin-khan", "bulletin", "brief", "audio/mpeg", "Bản tin khẩn (phát ngay)", {}))

#: Video loudness (integrated LUFS, true-peak ceiling dBTP), measured on the encoded file: 16:9 is made for
#: television, mastered to EBU R128 (−23 LUFS ±0.5, ≤ −1 dBTP); the portrait and square videos are for social
#: platforms, which play around −14 to −16 and turn louder files down: −16 keeps speech clear on a phone with
#: room under the peak ceiling. A channel's ``loudness`` wins (e.g. a 16:9 made for a web portal).
BROADCAST_LOUDNESS, SOCIAL_LOUDNESS = (-23.0, -1.0), (-16.0, -1.0)
for _ratio, (_w, _h), _loud in (("16x9", (1920, 1080), BROADCAST_LOUDNESS), ("9x16", (1080, 1920), SOCIAL_LOUDNESS),
                                ("1x1", (1080, 1080), SOCIAL_LOUDNESS)):
    register_format(Format(f"video-{_ratio}", "video", "brief", "video/mp4", f"Video {_w}×{_h}",
                           {"width": _w, "height": _h, "loudness": _loud}))


def channel_formats(formats: list[str]) -> list[str]:
    """The formats a channel carries: the ones it lists, and the immediate emergency bulletin
    (first) wherever bulletins go, without being listed."""
    carries_bulletins = any(FORMATS[f].kind == "bulletin" for f in formats if f in FORMATS)
    return ([EMERGENCY.id] if carries_bulletins and EMERGENCY.id not in formats else []) + list(formats)
