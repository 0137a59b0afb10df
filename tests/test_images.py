"""Pictures and QR codes: one placement in every output, square pixels in print, transparency kept
(CMYK included), no picture over text, the QR code's modules and its address on the page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import segno
from conftest import EXAMPLES
from PIL import Image, ImageChops
from pypdf import PdfReader
from small_campaign import QR_URL, media_campaign

from studio.formats import FORMATS
from studio.loader import load_campaign
from studio.visual import SceneError, render_pdf, scene_for
from studio.visual.images import place
from studio.visual.raster import rasterize

LOGO_GREEN = (0, 160, 80)  # the media campaign's logo: a green disc (200×200 in a 300×200 picture)
SCREEN = [(1080, 1080), (1080, 1350), (1200, 628), (1080, 1920)]
PRINT = ["pano-4000x2000", "pano-3000x1500", "pano-1200x2400", "poster-a0", "poster-a3", "leaflet-a4"]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """The small campaign with a 300×200 transparent logo, a brief picture and a QR address, built once
    (visual outputs only)."""
    from studio.build import build
    from studio.plan import Selection

    root = media_campaign(tmp_path_factory.mktemp("media") / "camp")
    campaign = load_campaign(root)
    out = root.parent / "out"
    report = build(campaign, out, select=Selection(kinds=("visual",)))
    assert report.ok, report.failures
    return campaign, out / campaign.id


def outputs(out: Path, pattern: str) -> list[Path]:
    found = sorted(out.rglob(pattern))
    assert found, f"no {pattern} under {out}"
    return found


def ppi_rows(pdf: Path) -> list[tuple[str, float, float]]:
    """(type, x-ppi, y-ppi) of every image drawn in the PDF, from poppler's ``pdfimages -list``."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in listing.splitlines()[2:]:
        cols = line.split()
        rows.append((cols[2], float(cols[12]), float(cols[13])))  # type, x-ppi, y-ppi
    return rows


def green_box(img: Image.Image, tolerance: int = 40) -> tuple[int, int, int, int]:
    """Bounding box of the logo's green disc in a rendered page."""
    bands = img.convert("RGB").split()
    mask = None
    for band, level in zip(bands, LOGO_GREEN):
        near = band.point(lambda v, level=level: 255 if abs(v - level) < tolerance else 0)
        mask = near if mask is None else ImageChops.multiply(mask, near)
    box = mask.getbbox()
    assert box, "the logo is not on the page"
    return box


def pdf_page(pdf: Path, dpi: float, into: Path, page: int = 1, crop_mm: tuple[float, ...] | None = None) -> Image.Image:
    """A PDF page rasterised by poppler into the folder ``into`` (``crop_mm``: x, y, w, h in mm, bleed included)."""
    args = ["pdftoppm", "-png", "-r", f"{dpi}", "-f", str(page), "-l", str(page), "-singlefile"]
    if crop_mm:
        args += ["-x", str(round(crop_mm[0] / 25.4 * dpi)), "-y", str(round(crop_mm[1] / 25.4 * dpi)),
                 "-W", str(round(crop_mm[2] / 25.4 * dpi)), "-H", str(round(crop_mm[3] / 25.4 * dpi))]
    target = into / f"{pdf.stem}-{page}-{dpi}"
    subprocess.run([*args, str(pdf), str(target)], check=True)
    with Image.open(f"{target}.png") as img:
        return img.convert("RGB")


# --- one placement ----------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(300, 200), (200, 300), (50, 50)])
@pytest.mark.parametrize("box", [(10, 20, 120, 60), (0, 0, 40, 90)])
def test_place_keeps_the_aspect_ratio(size, box):
    contain = place(size, box, "contain")
    assert contain.w / contain.h == pytest.approx(size[0] / size[1])
    assert contain.crop == (0, 0, *size)
    assert box[0] - 1e-9 <= contain.x and contain.x + contain.w <= box[0] + box[2] + 1e-9
    assert box[1] - 1e-9 <= contain.y and contain.y + contain.h <= box[1] + box[3] + 1e-9
    assert max(contain.w / box[2], contain.h / box[3]) == pytest.approx(1)  # as large as the box allows
    cover = place(size, box, "cover", focal=(1.0, 0.0))
    left, top, right, bottom = cover.crop
    assert cover.box == box
    assert (right - left) / (bottom - top) == pytest.approx(box[2] / box[3])  # same scale on both axes
    assert right == pytest.approx(size[0]) and top == 0  # the focal corner is kept, the crop stays inside


def test_print_pdfs_of_every_example_have_square_pixels(example_build):
    for path in EXAMPLES:
        campaign, out = example_build(path, ("visual",))
        for pdf in outputs(out, "*.pdf"):
            if "deck-16x9" in pdf.name:  # LibreOffice's PDF of a deck: not a print file (its own test)
                continue
            rows = ppi_rows(pdf)
            if campaign.brand.logo and "leaflet" not in pdf.name:
                assert rows, f"{pdf.name}: the brand's logo is missing"
            for kind, x, y in rows:
                assert abs(x - y) <= 1, f"{pdf.name}: {kind} image drawn at {x}×{y} ppi"


def test_every_print_image_has_square_pixels_and_the_logo_is_a_circle(media):
    _, out = media
    pdfs = outputs(out, "*.pdf")
    assert {p.name.split("--")[1].removesuffix(".pdf") for p in pdfs} == set(PRINT)
    for pdf in pdfs:
        rows = ppi_rows(pdf)
        assert sum(kind == "image" for kind, _, _ in rows) == (1 if "leaflet" in pdf.name else 2), pdf.name
        for kind, x, y in rows:
            assert abs(x - y) <= 1, f"{pdf.name}: {kind} image drawn at {x}×{y} ppi"
    for png in outputs(out, "*.png"):  # infographics and print previews (the leaflet has no logo)
        if "leaflet" in png.name:
            continue
        with Image.open(png) as img:
            x0, y0, x1, y1 = green_box(img)
        assert abs((x1 - x0) - (y1 - y0)) <= 2, f"{png.name}: the logo's disc is {x1 - x0}×{y1 - y0}"


def test_preview_and_pdf_put_the_logo_in_the_same_place(media, tmp_path):
    _, out = media
    pdf = outputs(out, "*--pano-1200x2400.pdf")[0]
    with Image.open(pdf.with_name(pdf.name.replace(".pdf", ".preview.png"))) as img:
        preview = img.convert("RGB")
    scale = preview.width / 1200  # px per mm: the preview is the trim, 1200 mm wide
    page = pdf_page(pdf, scale * 25.4, tmp_path)
    trim = PdfReader(pdf).pages[0].trimbox  # the pa nô's bleed and the marks' slug lie left of and above it
    bleed = round(float(trim.left) / (72 / 25.4) * scale)
    in_pdf = green_box(page, tolerance=55)  # poppler proofs PDF/X through its output intent: (0,160,80) → (46,169,80)
    in_png = green_box(preview)
    assert all(abs(a - bleed - b) <= 3 for a, b in zip(in_pdf, in_png)), (in_pdf, in_png)


def test_cmyk_keeps_the_logo_transparent_on_its_real_background(media, tmp_path):
    campaign, _ = media
    brief = campaign.briefs[0]
    scene = scene_for(campaign, brief, "pano", 1200, 2400, "mm")
    logo = next(layer for layer in scene.layers if layer.name == "logo")
    pdf = render_pdf(scene, tmp_path / "cmyk.pdf", cmyk=True, bleed_mm=3)
    dpi = 25.4  # 1 px per mm
    page = pdf_page(pdf, dpi, tmp_path)
    pl, o = logo.place, 3 + 10  # bleed and the marks' slug
    corner = page.getpixel((round(pl.x + o + 4), round(pl.y + o + 4)))  # inside the picture, a see-through corner
    outside = page.getpixel((round(pl.x + o - 6), round(pl.y + o + 4)))  # the page just left of the picture
    assert corner != (255, 255, 255)
    assert all(abs(a - b) <= 6 for a, b in zip(corner, outside)), (corner, outside)
    r, g, b = page.getpixel((round(pl.x + pl.w / 2 + o), round(pl.y + o + 10)))
    assert g > r + 60 and r < 60, (r, g, b)  # and the green disc itself is drawn (poppler's CMYK → RGB tints it)


# --- QR code -----------------------------------------------------------------------------------

def sample_qr(img: Image.Image) -> list[list[bool]]:
    """The modules of the one QR code in ``img``: the dark pixels' bounding box is the symbol without its
    quiet zone; each module is read at its centre. Checks the 4-module quiet zone is light."""
    gray = img.convert("L")
    dark = gray.point(lambda v: 255 if v < 100 else 0)
    x0, y0, x1, y1 = dark.getbbox()
    n = segno.make(QR_URL, error="m", micro=False).symbol_size(border=0)[0]
    module = (x1 - x0) / n
    for k in range(max(2, round(module / 2)), 4 * round(module)):  # past the anti-aliased edge
        for x, y in ((x0 - k, (y0 + y1) // 2), (x1 - 1 + k, (y0 + y1) // 2), ((x0 + x1) // 2, y0 - k)):
            assert gray.getpixel((x, y)) > 150, "quiet zone not light"
    return [[gray.getpixel((int(x0 + (c + 0.5) * module), int(y0 + (r + 0.5) * module))) < 128 for c in range(n)]
            for r in range(n)]


def test_qr_code_on_screen_and_in_print_is_segnos_code_of_the_address(media, tmp_path):
    campaign, out = media
    expected = [[bool(v) for v in row] for row in segno.make(QR_URL, error="m", micro=False).matrix]
    png = outputs(out, "*--infographic-1080x1080.png")[0]
    scene = scene_for(campaign, campaign.briefs[0], "key-number", 1080, 1080)
    box = next(layer for layer in scene.layers if layer.type == "qr")
    with Image.open(png) as img:
        assert sample_qr(img.crop((round(box.x), round(box.y), round(box.x + box.w), round(box.y + box.h)))) == expected
    leaflet = outputs(out, "*--leaflet-a4.pdf")[0]
    # the leaflet's back panel (100 mm after the 97 mm flap), its top below the marks' 10 mm slug
    panel = pdf_page(leaflet, 300, tmp_path, crop_mm=(13 + 97, 10, 100, 43))  # above the address printed under it
    assert sample_qr(panel) == expected
    for pdf in outputs(out, "*.pdf"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert QR_URL in text.split(), pdf.name  # printed whole, on one line
    for alt in outputs(out, "*.alt.txt"):
        assert alt.read_text(encoding="utf-8").rstrip().endswith(f"Mã QR dẫn tới {QR_URL}")


def test_an_address_too_long_for_a_printable_qr_code_is_a_located_error(media):
    campaign, _ = media
    brief = campaign.briefs[0].model_copy(update={"qr": "https://dichvucong.ninhthuan.gov.vn/" + "a" * 300})
    with pytest.raises(SceneError, match=r"lớp 'ma-qr'.*0[.,]5 mm.*trường qr"):
        scene_for(campaign, brief, "poster", 297, 420, "mm")


def test_an_address_is_never_broken_across_lines():
    from studio.visual.fonts import font_path
    from studio.visual.layout import FitError, fit_text

    font = font_path("BeVietnamPro-SemiBold")
    fit = fit_text(f"Xem thêm: {QR_URL}", font, 300, 200, 10, 40)
    assert QR_URL in fit.lines and len(fit.lines) == 2
    with pytest.raises(FitError):
        fit_text(QR_URL, font, 100, 200, 10, 40)


# --- layout: boxes reserved, slots used ---------------------------------------------------------

def overlaps(a, b) -> bool:
    eps = 1e-6
    return a.x < b.x + b.w - eps and b.x < a.x + a.w - eps and a.y < b.y + b.h - eps and b.y < a.y + a.h - eps


def media_scenes(campaign, brief):
    from studio.visual.scene import template_names

    for template in template_names():
        if template in ("pano", "poster", "leaflet"):
            for fmt in PRINT:
                opts = FORMATS[fmt].options
                if fmt.split("-")[0] == template:
                    yield f"{template} {fmt}", scene_for(campaign, brief, template, opts["width"], opts["height"], "mm")
        else:
            for w, h in SCREEN:
                yield f"{template} {w}×{h}", scene_for(campaign, brief, template, w, h)


def test_no_picture_or_qr_code_covers_text_in_any_template_and_size(media):
    from studio.visual.scene import PICTURE_TEMPLATES

    campaign, _ = media
    brief = campaign.briefs[0]
    for name, scene in media_scenes(campaign, brief):
        pictures = 0
        for page in scene.pages:
            boxes = [layer for layer in page.layers if layer.type in ("image", "qr")]
            texts = [layer for layer in page.layers if layer.type == "text"]
            for box in boxes:
                for text in texts:
                    assert not overlaps(box, text), f"{name}: {box.name} covers text {text.name}"
            pictures += sum(layer.name == "anh" for layer in boxes)
            assert sum(layer.type == "qr" for layer in boxes) <= 1
        assert pictures == (scene.meta["template"] in PICTURE_TEMPLATES), name
        assert any(layer.type == "qr" for page in scene.pages for layer in page.layers), name
        assert ("Ảnh: Đập hồ chứa nước Sông Sắt." in scene.meta["alt"]) == bool(pictures), name


def test_without_pictures_or_address_the_slots_stay_empty(media):
    campaign, _ = media
    brief = campaign.briefs[0].model_copy(update={"images": [], "qr": None})
    for name, scene in media_scenes(campaign, brief):
        names = {layer.name for page in scene.pages for layer in page.layers}
        assert not names & {"anh", "ma-qr", "dia-chi-qr"}, name


def test_slide_and_deck_show_the_whole_picture_at_its_aspect_ratio(media, tmp_path):
    from pptx import Presentation

    from studio.deck.builder import build_deck
    from studio.visual import render_pptx

    campaign, _ = media
    brief = campaign.briefs[0]
    deck = build_deck(campaign, campaign.phase(brief.phase), [brief], scenes=False)
    slide = deck.prs.slides[[name for name, _ in deck.slides].index("image")]
    pictures = [s for s in slide.shapes if hasattr(s, "crop_left")]
    assert len(pictures) == 1
    pic = pictures[0]
    assert pic.width / pic.height == pytest.approx(640 / 400, rel=0.01)
    assert (pic.crop_left, pic.crop_right, pic.crop_top, pic.crop_bottom) == (0, 0, 0, 0)
    scene = scene_for(campaign, brief, "key-number", 1080, 1080)
    shapes = {s.name: s for s in Presentation(render_pptx(scene, tmp_path / "s.pptx")).slides[0].shapes}
    assert shapes["logo"].width / shapes["logo"].height == pytest.approx(300 / 200, rel=0.01)
    assert shapes["anh"].width / shapes["anh"].height == pytest.approx(640 / 400, rel=0.01)


def test_video_stills_show_the_picture(media):
    from studio.video.sources import still_templates

    campaign, _ = media
    brief = campaign.briefs[0]
    assert still_templates(brief.model_copy(update={"template": "stat-chart"}))[:2] == ["stat-chart", "key-number"]
    assert "key-number" not in still_templates(brief.model_copy(update={"template": "stat-chart", "images": []}))
    still = rasterize(scene_for(campaign, brief, still_templates(brief)[0], 1080, 1700))
    x0, y0, x1, y1 = green_box(still)
    assert abs((x1 - x0) - (y1 - y0)) <= 2


def test_inputs_hash_covers_the_qr_address(media, tmp_path):
    from studio.build import BuildContext
    from studio.plan import expand
    from studio.visual import VisualRenderer

    campaign, _ = media
    job = next(j for j in expand(campaign) if j.kind == "visual" and j.format == "leaflet-a4")
    before = VisualRenderer().inputs(job, BuildContext(campaign, tmp_path)).digest()
    moved = campaign.model_copy(update={"briefs": [campaign.briefs[0].model_copy(update={"qr": QR_URL + "-2"})]})
    assert VisualRenderer().inputs(job, BuildContext(moved, tmp_path)).digest() != before
