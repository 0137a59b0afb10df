"""Contact sheets of a built campaign, for a person to look at: every template × size as built.

Drawn from the files the build wrote (PNG infographics, print PDFs through pdftoppm, deck PDFs,
video frames through ffmpeg), never from a separate preview path, so what you see is what ships.

    .venv/bin/python scripts/sheets.py OUT/CAMPAIGN_ID SHEETS_DIR [--unit UNIT]

Writes one PNG per family (infographic, pano, poster, leaflet, deck, video) into SHEETS_DIR.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CELL = 460
LABEL = 40
FONT = Path(__file__).resolve().parent.parent / "assets" / "fonts"


def _font(size: int) -> ImageFont.FreeTypeFont:
    found = sorted(FONT.rglob("NotoSans-Regular.ttf"))
    return ImageFont.truetype(str(found[0]), size) if found else ImageFont.load_default()


def _pdf_pages(path: Path, tmp: Path) -> list[Image.Image]:
    pages = Path(tempfile.mkdtemp(dir=tmp))  # one folder per PDF: two phases' decks share a file name
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(pages / "p")], check=True, capture_output=True)
    return [Image.open(p).convert("RGB") for p in sorted(pages.glob("p*.png"))]


def _video_frames(path: Path, tmp: Path) -> list[Image.Image]:
    out = []
    for t in (1.5, 6.0):
        frame = tmp / f"{path.stem}-{t}.png"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", str(t), "-i", str(path), "-frames:v", "1", str(frame)],
                       check=False, capture_output=True)
        if frame.is_file():
            out.append(Image.open(frame).convert("RGB"))
    return out


def _family(fmt: str) -> str:
    return fmt.split("-")[0]


def sheet(cells: list[tuple[str, Image.Image]], title: str, path: Path) -> None:
    cols = min(5, max(1, len(cells)))
    rows = math.ceil(len(cells) / cols)
    page = Image.new("RGB", (cols * CELL, rows * (CELL + LABEL) + 50), (225, 225, 225))
    draw = ImageDraw.Draw(page)
    draw.text((12, 12), title, font=_font(24), fill=(20, 20, 20))
    small = _font(14)
    for i, (label, img) in enumerate(cells):
        img = img.copy()
        img.thumbnail((CELL - 16, CELL - 16))
        x, y = (i % cols) * CELL, 50 + (i // cols) * (CELL + LABEL)
        page.paste(img, (x + (CELL - img.width) // 2, y + (CELL - img.height) // 2))
        draw.text((x + 8, y + CELL + 4), label[:70], font=small, fill=(40, 40, 40))
    page.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("built", type=Path, help="OUT/CAMPAIGN_ID of a finished build")
    parser.add_argument("dest", type=Path)
    parser.add_argument("--unit", help="only this unit's assets (default: the first unit of each format)")
    args = parser.parse_args()
    args.dest.mkdir(parents=True, exist_ok=True)
    families: dict[str, list[tuple[str, Image.Image]]] = {}
    seen: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for manifest in sorted(args.built.glob("*/manifest.json")):
            for entry in json.loads(manifest.read_text())["artifacts"]:
                fmt, brief, unit = entry.get("format", ""), entry.get("brief") or "", entry.get("unit", "")
                key = (brief or manifest.parent.name, fmt)  # a phase-wide asset (deck) once per phase
                if args.unit and unit != args.unit or key in seen:
                    continue
                path = args.built / entry["path"]
                if path.suffix == ".png" and path.with_suffix(".pdf").is_file():
                    continue  # a print file's preview: the PDF itself is shown
                kind = _family(fmt)
                if path.suffix == ".png" and kind == "infographic":
                    imgs = [Image.open(path).convert("RGB")]
                elif path.suffix == ".pdf" and kind in ("pano", "poster", "leaflet", "deck"):
                    imgs = _pdf_pages(path, tmp)
                elif path.suffix == ".mp4":
                    imgs = _video_frames(path, tmp)
                else:
                    continue
                seen.add(key)
                for n, img in enumerate(imgs):
                    families.setdefault(kind, []).append((f"{brief or manifest.parent.name} {fmt} {unit} #{n + 1}",
                                                          img))
        for kind, cells in families.items():
            target = args.dest / f"{args.built.name}-{kind}.png"
            sheet(cells, f"{args.built.name}: {kind} ({len(cells)})", target)
            print(target)


if __name__ == "__main__":
    main()
