"""Draw the example campaign's flat illustrations and logo (own work, CC0).

Run from the repository root: ``python examples/ha-tinh-thien-tai-2026/images/make_images.py``.
Deterministic: the same Pillow version writes the same PNGs.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
NAVY, TEAL, ORANGE = (14, 42, 71), (0, 128, 128), (242, 140, 40)
SKY, SAND, WHITE, WATER = (214, 236, 242), (236, 220, 186), (255, 255, 255), (38, 112, 160)
SS = 2  # drawn at twice the size, then reduced: smooth edges without anti-aliased primitives


def canvas(w: int, h: int, color=(0, 0, 0, 0)) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGBA", (w * SS, h * SS), color)
    return img, ImageDraw.Draw(img)


def s(*values: float) -> list[float]:
    return [v * SS for v in values]


def waves(d: ImageDraw.ImageDraw, w: int, y: float, amp: float, length: float, color, bottom: float) -> None:
    points = [(x * SS, (y + amp * math.sin(2 * math.pi * x / length)) * SS) for x in range(0, w + 1, 4)]
    d.polygon(points + [(w * SS, bottom * SS), (0, bottom * SS)], fill=color)


def save(img: Image.Image, name: str, size: tuple[int, int], mode: str = "RGB") -> None:
    out = img.resize(size, Image.LANCZOS)
    out = out.convert(mode) if mode != "RGBA" else out
    out.save(HERE / name, optimize=True)


def stilt_house() -> None:
    """A house on stilts above flood water: the preparedness message."""
    w, h = 1200, 800
    img, d = canvas(w, h, SKY + (255,))
    d.ellipse(s(930, 90, 1050, 210), fill=(255, 206, 84))
    for x in (380, 500, 700, 820):  # stilts
        d.rectangle(s(x, 430, x + 26, 700), fill=(120, 84, 52))
    d.rectangle(s(340, 410, 880, 440), fill=(120, 84, 52))  # floor
    d.rectangle(s(370, 260, 850, 410), fill=WHITE)  # walls
    d.polygon(s(320, 270, 610, 110, 900, 270), fill=ORANGE)  # roof
    d.rectangle(s(560, 300, 640, 410), fill=TEAL)  # door
    d.rectangle(s(420, 300, 500, 360), fill=NAVY)
    d.rectangle(s(720, 300, 800, 360), fill=NAVY)
    d.line(s(250, 440, 640, 640), fill=(120, 84, 52), width=14 * SS)  # stairs to higher ground
    waves(d, w, 560, 14, 160, WATER, h)
    waves(d, w, 620, 10, 110, (70, 150, 196), h)
    save(img, "nha-san-tranh-lu.png", (900, 600))


def storm_icon() -> None:
    """A storm symbol over waves: warnings and forecasts."""
    w, h = 1000, 1000
    img, d = canvas(w, h, NAVY + (255,))
    cx, cy = 500, 420
    for k in range(2):  # the two arms of the cyclone sign: discs along a spiral, thinning outwards
        for r in range(60, 330, 2):
            a = k * math.pi + r / 95
            x, y, half = cx + r * math.cos(a), cy + r * math.sin(a), 40 * (1 - r / 400)
            d.ellipse(s(x - half, y - half, x + half, y + half), fill=ORANGE)
    d.ellipse(s(cx - 110, cy - 110, cx + 110, cy + 110), outline=WHITE, width=34 * SS)
    waves(d, w, 800, 26, 250, TEAL, h)
    waves(d, w, 870, 18, 180, WATER, h)
    save(img, "bao-va-song.png", (700, 700))


def evacuation_sign() -> None:
    """An evacuation sign: a running figure and an arrow towards higher ground."""
    w, h = 1200, 800
    img, d = canvas(w, h, (0, 122, 77, 255))  # the green of safety signs
    d.rounded_rectangle(s(40, 40, w - 40, h - 40), radius=50 * SS, outline=WHITE, width=18 * SS)
    d.polygon(s(640, 300, 900, 300, 900, 200, 1100, 400, 900, 600, 900, 500, 640, 500), fill=WHITE)  # arrow
    d.ellipse(s(300, 150, 400, 250), fill=WHITE)  # head
    d.line(s(350, 260, 300, 450), fill=WHITE, width=46 * SS)  # body
    d.line(s(330, 320, 450, 380, 520, 330), fill=WHITE, width=34 * SS, joint="curve")  # arm forward
    d.line(s(330, 320, 220, 360, 180, 300), fill=WHITE, width=34 * SS, joint="curve")  # arm back
    d.line(s(300, 450, 420, 560, 400, 680), fill=WHITE, width=40 * SS, joint="curve")  # leg forward
    d.line(s(300, 450, 220, 570, 120, 600), fill=WHITE, width=40 * SS, joint="curve")  # leg back
    save(img, "bien-so-tan.png", (900, 600))


def logo() -> None:
    """The campaign mark, 3:2 with a transparent background (not square, on purpose)."""
    w, h = 900, 600
    img, d = canvas(w, h)
    d.rounded_rectangle(s(20, 20, w - 20, h - 20), radius=90 * SS, fill=NAVY + (255,))
    d.polygon(s(450, 90, 760, 300, 140, 300), fill=ORANGE + (255,))  # roof: shelter
    d.rectangle(s(220, 300, 680, 420), fill=WHITE + (255,))
    d.rectangle(s(410, 330, 490, 420), fill=TEAL + (255,))
    for i, y in enumerate((455, 510)):
        points = [(x * SS, (y + 16 * math.sin(2 * math.pi * (x + 60 * i) / 180)) * SS) for x in range(110, 791, 5)]
        d.line(points, fill=(TEAL if i else WHITE) + (255,), width=22 * SS)
    save(img, "logo-phong-chong-thien-tai.png", (450, 300), mode="RGBA")


if __name__ == "__main__":
    stilt_house()
    storm_icon()
    evacuation_sign()
    logo()
