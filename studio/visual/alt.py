"""Vietnamese alt text: what a screen reader says for an infographic.

The headline, then every statistic in words ("Đơn vị hành chính cấp xã: 65 xã,
phường, thị trấn"), marking illustrative figures, then the first slogan, the
pictures the scene shows (their alt text) and the address of its QR code.
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


def alt_text(campaign, brief, unit=None, pictures: tuple[str, ...] | list[str] = (), qr: str | None = None) -> str:
    parts = [f"Đồ họa thông tin: {brief.headline.rstrip('.')}."]
    if brief.stats:
        parts.append("Số liệu: " + "; ".join(stat_sentence(s) for s in brief.stats) + ".")
    elif brief.key_messages:
        parts.append(brief.key_messages[0].rstrip(".") + ".")
    if brief.slogans:
        parts.append(f"Khẩu hiệu: {brief.slogans[0]}")
    parts += [f"Ảnh: {alt.rstrip('.')}." for alt in pictures]
    where = f" — {unit.display_name}" if unit is not None else ""
    parts.append(f"{campaign.issuer}{where}.")
    if qr:
        parts.append(f"Mã QR dẫn tới {qr}")  # last, with no full stop that could be read as part of the address
    return typeset(" ".join(parts))  # an address has no quote to curl (campaign.WebAddress)
