"""Vietnamese alt text: what a screen reader says for an infographic.

Only what the picture shows, as its template declares it (``meta.shows``): the
draft mark, the headline (an emergency notice says so), the key messages, the
statistics in words ("Đơn vị hành chính cấp xã: 65 xã, phường, thị trấn", marking
illustrative figures), the timeline, the body, the slogan, the pictures the scene
shows (their alt text), the issuer and the address of its QR code. What a template
leaves out of a list it draws whole (``meta.lists``) is said as a count.
"""

from __future__ import annotations

from .. import vi
from ..text import typeset


def stat_sentence(stat) -> str:
    text = f"{stat.label}: {vi.stat(stat.value, stat.unit)}"
    if stat.illustrative:
        text += " (số liệu minh họa)"
    elif stat.source:
        text += f" (nguồn: {stat.source})"
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?…" else text + "."


def alt_text(campaign, brief, unit=None, shows: dict | None = None, lists: dict | None = None,
             timeline: list[dict] | None = None, *, pictures: tuple[str, ...] | list[str] = (),
             qr: str | None = None) -> str:
    """``shows``: how many of each brief list the picture draws (from the first) and whether the body;
    ``lists``: the lists it draws whole up to a capacity, whose left-out items are counted;
    ``timeline``: the timeline's items as drawn (``scene.timeline_items``); ``pictures``: the alt
    texts of the pictures drawn; ``qr``: the address of the QR code drawn."""
    shows, lists = shows or {}, lists or {}
    parts = ["Bản dự thảo, chưa được duyệt."] if not brief.approved else []
    kind = "Thông báo khẩn" if brief.priority == "emergency" else "Đồ họa thông tin"
    said = brief.headline.strip()
    parts.append(_sentence(said) if said.casefold().startswith(kind.casefold()) else f"{kind}: {_sentence(said)}")

    def left_out(key: str, items: list, noun: str) -> str:
        drawn = min(shows.get(key, 0), len(items))
        return f" (hình thể hiện {drawn} trong {len(items)} {noun})" if key in lists and drawn < len(items) else ""

    messages = brief.key_messages[:shows.get("key_messages", 0)]
    if messages:
        parts.append(" ".join(_sentence(m) for m in messages).rstrip(".")
                     + left_out("key_messages", brief.key_messages, "ý chính") + ".")
    stats = brief.stats[:shows.get("stats", 0)]
    if stats:
        parts.append("Số liệu: " + "; ".join(stat_sentence(s) for s in stats)
                     + left_out("stats", brief.stats, "số liệu") + ".")
    steps = (timeline or [])[:shows.get("timeline", 0)]
    if steps:
        parts.append("Các mốc: " + "; ".join(t["label"] + (f" ({t['dates']})" if t["dates"] else "")
                                             for t in steps) + ".")
    if shows.get("body") and brief.body.strip():
        parts.append(" ".join(_sentence(line) for line in brief.body.splitlines() if line.strip()))
    slogans = brief.slogans[:shows.get("slogans", 0)]
    if slogans:
        parts.append("Khẩu hiệu: " + " ".join(_sentence(s) for s in slogans))
    parts += [f"Ảnh: {alt.rstrip('.')}." for alt in pictures]
    where = f" — {unit.display_name}" if unit is not None else ""
    parts.append(f"{campaign.issuer}{where}.")
    if qr:
        parts.append(f"Mã QR dẫn tới {qr}")  # last, with no full stop that could be read as part of the address
    return typeset(" ".join(parts))  # an address has no quote to curl (campaign.WebAddress)
