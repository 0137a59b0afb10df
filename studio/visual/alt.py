"""Vietnamese alt text: what a screen reader says for an infographic.

The headline, then every statistic in words ("Đơn vị hành chính cấp xã: 65 xã,
phường, thị trấn"), marking illustrative figures, then the first slogan.
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


def alt_text(campaign, brief, unit=None) -> str:
    parts = [f"Đồ họa thông tin: {brief.headline.rstrip('.')}."]
    if brief.stats:
        parts.append("Số liệu: " + "; ".join(stat_sentence(s) for s in brief.stats) + ".")
    elif brief.key_messages:
        parts.append(brief.key_messages[0].rstrip(".") + ".")
    if brief.slogans:
        parts.append(f"Khẩu hiệu: {brief.slogans[0]}")
    where = f" — {unit.display_name}" if unit is not None else ""
    parts.append(f"{campaign.issuer}{where}.")
    return typeset(" ".join(parts))
