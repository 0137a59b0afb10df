"""Print-ready PDFs (issue 17): PDF/X with an OutputIntent, boxes from the format's bleed, marks only in
the slug, fonts embedded with unique subset tags, real metadata, CMYK through the profile with the brand
kit's values winning, the leaflet's narrower flap and its fold marks. A preflight over every print PDF of
every example campaign, in RGB (PDF/X-4) and CMYK (PDF/X-1a)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import EXAMPLES
from PIL import Image

from studio.build import build
from studio.color import PRINT_PROFILE, Color, Separation
from studio.formats import FORMATS
from studio.loader import load_campaign
from studio.plan import Selection
from studio.visual.pdf import MARK_FROM_MM, MARK_TO_MM, PT_PER_MM, SLUG_MM

NINH_THUAN = next(p for p in EXAMPLES if p.name == "ninh-thuan-2025")


def _cmyk(example: Path, out: Path):
    """An example's print formats, built with ``--cmyk``."""
    campaign = load_campaign(example)
    printed = frozenset(f.id for f in FORMATS.values() if f.options.get("units") == "mm")
    report = build(campaign, out, select=Selection(kinds=frozenset({"visual"}), formats=printed),
                   options={"visual": {"cmyk": True}})
    assert report.ok, [(f["job"], str(f.get("error"))[-400:]) for f in report.failures]
    return campaign, out / campaign.id


@pytest.fixture(scope="module")
def cmyk_build(tmp_path_factory):
    """The Ninh Thuận example's print formats, built once with ``--cmyk``."""
    return _cmyk(NINH_THUAN, tmp_path_factory.mktemp("cmyk"))


def _pdfs(root: Path) -> list[Path]:
    """The print PDFs (``<brief>--<format>.pdf``) of a build; a shared build also holds decks' PDFs."""
    return sorted(p for p in root.rglob("*.pdf") if "--" in p.stem)


def _format(path: Path) -> str:
    return path.stem.rsplit("--", 1)[1]


def _box(page, name: str) -> list[float]:
    return [float(v) for v in page.obj[name]]


def preflight(path: Path, campaign, cmyk: bool) -> None:
    """What a print shop's preflight checks, failing with the file and the rule broken."""
    fmt = FORMATS[_format(path)].options
    with pikepdf.open(path) as pdf:
        # PDF/X identification and the OutputIntent with the print profile embedded
        version = "PDF/X-1:2001" if cmyk else "PDF/X-4"
        assert str(pdf.trailer.Info.GTS_PDFXVersion) == version, path
        assert str(pdf.trailer.Info.Trapped) == "/False"
        if cmyk:
            assert str(pdf.trailer.Info.GTS_PDFXConformance) == "PDF/X-1a:2001"
        assert pdf.pdf_version == ("1.4" if cmyk else "1.6")
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and str(intents[0].S) == "/GTS_PDFX"
        assert str(intents[0].OutputConditionIdentifier) == "FOGRA39"
        assert intents[0].DestOutputProfile.read_bytes() == PRINT_PROFILE.read_bytes()
        meta = pdf.open_metadata()
        assert meta.get("pdfxid:GTS_PDFXVersion") == version
        # real metadata: title = the brief's, author = the issuer, the brief's approval date
        job_brief = path.stem.rsplit("--", 1)[0]
        brief = campaign.brief(job_brief)
        info = pdf.trailer.Info
        assert str(info.Title) == brief.title and str(info.Author) == campaign.issuer
        assert FORMATS[_format(path)].name in str(info.Subject) and campaign.title in str(info.Subject)
        expected = brief.approval.at or campaign.phase(brief.phase).start
        assert str(info.CreationDate).startswith("D:" + expected.strftime("%Y%m%d")), (path, info.CreationDate)
        for number, page in enumerate(pdf.pages):
            # boxes: trim = the format, bleed = trim + the format's bleed, media = bleed + the slug
            bleed = {"pano": 50.0}.get(fmt["family"], 3.0)
            trim, bleed_box, media = _box(page, "/TrimBox"), _box(page, "/BleedBox"), _box(page, "/MediaBox")
            w, h = (trim[2] - trim[0]) / PT_PER_MM, (trim[3] - trim[1]) / PT_PER_MM
            assert (round(w, 1), round(h, 1)) == (fmt["width"], fmt["height"]), path
            assert [round((b - t) / PT_PER_MM, 2) for b, t in zip(bleed_box, trim)] == [-bleed, -bleed, bleed, bleed]
            assert [round((m - b) / PT_PER_MM, 2) for m, b in zip(media, bleed_box)] == [-SLUG_MM, -SLUG_MM,
                                                                                         SLUG_MM, SLUG_MM]
            # colour spaces: CMYK only (no RGB or grey operators, images CMYK), no transparency in X-1a
            ops = {str(op) for _, op in pikepdf.parse_content_stream(page)}
            images = [pikepdf.PdfImage(x) for x in page.get_images().values()]
            if cmyk:
                assert not ops & {"rg", "RG", "g", "G", "sc", "scn", "gs"}, (path, number, ops)
                assert all(str(img.colorspace) == "/DeviceCMYK" and img.obj.get("/SMask") is None for img in images)
            else:
                assert str(page.Resources.ColorSpace.DefaultRGB[0]) == "/ICCBased"
                assert not ops & {"k", "K"}
    # fonts embedded (poppler's view, as a RIP sees them)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), listing


def subset_tags(path: Path) -> set[str]:
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return {m.group(1) for m in re.finditer(r"^([A-Z]{6})\+", listing, re.M)}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_print_pdf_passes_preflight(example_build, example):
    campaign, root = example_build(example, ("visual",))
    pdfs = _pdfs(root)
    assert {_format(p).split("-")[0] for p in pdfs} >= {"pano"}, "the examples print pa nô"
    for path in pdfs:
        preflight(path, campaign, cmyk=False)
    tags = [subset_tags(p) for p in pdfs[:6]]
    assert all(len(t) >= 2 for t in tags)
    assert not any(a & b for i, a in enumerate(tags) for b in tags[i + 1:]), "subset tags shared between files"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_print_pdf_passes_preflight_in_cmyk(cmyk_build, example, tmp_path):
    campaign, root = cmyk_build if example == NINH_THUAN else _cmyk(example, tmp_path)
    pdfs = _pdfs(root)
    assert {_format(p).split("-")[0] for p in pdfs} == {"pano", "poster", "leaflet"}
    for path in pdfs:
        preflight(path, campaign, cmyk=True)


def _fill_colors(path: Path, page: int = 0) -> set[tuple[float, ...]]:
    with pikepdf.open(path) as pdf:
        return {tuple(round(float(v), 3) for v in operands)
                for operands, op in pikepdf.parse_content_stream(pdf.pages[page]) if str(op) == "k"}


def test_the_brand_kits_cmyk_wins_and_the_red_has_no_black(cmyk_build):
    campaign, root = cmyk_build
    assert campaign.brand.cmyk["primary"] == [0, 100, 85, 0]
    leaflet = next(p for p in _pdfs(root) if _format(p) == "leaflet-a4")
    fills = _fill_colors(leaflet)
    assert (0.0, 1.0, 0.85, 0.0) in fills  # the cover: brand red as the designer gave it, no black
    converted = Separation().cmyk(Color.parse("#C8102E"))
    assert converted[3] > 0.05 and tuple(round(v, 3) for v in converted) not in fills  # the profile would add K
    # the naive formula's 0/92/77/22 is gone everywhere
    assert not any(abs(m - 0.92) < 0.005 and abs(k - 0.216) < 0.005 for _, m, _, k in fills)


def test_cmyk_conversion_uses_the_profile_and_black_ink_for_greys():
    sep = Separation()
    assert sep.cmyk(Color.parse("#FFFFFF")) == (0, 0, 0, 0)
    assert sep.cmyk(Color.parse("#1A1A1A")) == (0, 0, 0, 1)  # near-black text: black ink only
    c, m, y, k = sep.cmyk(Color.parse("#5F5F5F"))
    assert c == m == y == 0 and 0.6 < k < 0.9  # a grey is black ink of the same lightness
    c, m, y, k = sep.cmyk(Color.parse("#FFCD00"))
    assert c < 0.02 and 0.1 < m < 0.25 and y > 0.85  # through FOGRA39, not the naive 0/20/100/0
    spot = Separation({"#C8102E": (0, 1, 0.85, 0)})
    assert spot.cmyk(Color.parse("#C8102E")) == (0, 1, 0.85, 0)
    img = spot.image(Image.new("RGB", (4, 1), (200, 16, 46)), {"#C8102E"})
    assert img.mode == "CMYK" and img.getpixel((0, 0)) == (0, 255, 217, 0)


def test_large_black_text_is_rich_black(cmyk_build):
    _, root = cmyk_build
    pano = next(p for p in _pdfs(root) if _format(p).startswith("pano"))
    fills = _fill_colors(pano)
    assert (0.6, 0.4, 0.4, 1.0) in fills or (0.0, 0.0, 0.0, 1.0) not in fills


def test_marks_sit_only_in_the_slug_and_the_leaflet_folds(example_build, tmp_path):
    campaign, root = example_build(NINH_THUAN, ("visual",))
    leaflet = next(p for p in _pdfs(root) if _format(p) == "leaflet-a4")
    dpi = 50
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(leaflet), str(tmp_path / "l")], check=True)
    s = dpi / 25.4
    bleed, slug = 3.0, SLUG_MM
    for number, png in enumerate(sorted(tmp_path.glob("l-*.png"))):
        img = Image.open(png).convert("RGB")
        assert img.width == round((297 + 2 * (bleed + slug)) * s)
        outer = round(slug * s) - 2  # the slug: everything outside trim + bleed (an anti-aliased pixel's margin)
        dark = [(x, y) for y in range(img.height) for x in range(img.width)
                if max(img.getpixel((x, y))) < 128 and (x < outer or y < outer or x >= img.width - outer
                                                   or y >= img.height - outer)]
        assert dark, "crop marks are drawn"
        # every mark pixel lies on a trim line or a fold line, between MARK_FROM and MARK_TO past the bleed
        folds = [97.0, 197.0] if number == 0 else [100.0, 200.0]
        xs = {round((slug + bleed + x) * s) for x in [0.0, 297.0, *folds]}
        ys = {round((slug + bleed + y) * s) for y in (0.0, 210.0)}
        for x, y in dark:
            assert any(abs(x - c) <= 1 for c in xs) or any(abs(y - c) <= 1 for c in ys), (png.name, x, y)
        # fold marks: dark pixels in the top slug at each fold, none at the equal thirds of before
        top = range(round((slug - MARK_TO_MM + MARK_FROM_MM) * s), round((slug - MARK_FROM_MM) * s))
        for fold in folds:
            x = round((slug + bleed + fold) * s)
            assert any(max(img.getpixel((x + d, y))) < 160 for y in top for d in (-1, 0, 1)), (png.name, fold)
        if number == 0:
            x = round((slug + bleed + 99.0) * s)
            assert not any(max(img.getpixel((x, y))) < 160 for y in top)
    # the panel widths themselves: flap 97 mm, the others 100 mm
    from studio.visual.scene import scene_for

    scene = scene_for(campaign, campaign.brief(leaflet.stem.rsplit("--", 1)[0]), "leaflet", 297, 210, "mm")
    outside, inside = scene.pages
    assert outside.folds == [97.0, 197.0] and inside.folds == [100.0, 200.0]
    widths = [b - a for a, b in zip([0, *outside.folds], [*outside.folds, 297])]
    assert widths == [97.0, 100.0, 100.0]  # the flap that folds in is 3 mm narrower


def test_same_build_same_bytes_and_options_in_the_inputs(tmp_path):
    """Incremental equals clean: the print options and the profile are inputs; dates are the brief's."""
    campaign = load_campaign(NINH_THUAN)
    select = Selection(kinds=frozenset({"visual"}), formats=frozenset({"poster-a3"}))
    a = build(campaign, tmp_path / "a", select=select)
    b = build(campaign, tmp_path / "b", select=select)
    assert a.ok and b.ok
    pa, pb = _pdfs(tmp_path / "a"), _pdfs(tmp_path / "b")
    assert [p.read_bytes() for p in pa] == [p.read_bytes() for p in pb]
    from studio.context import BuildContext
    from studio.plan import expand
    from studio.renderers import REGISTRY

    job = next(j for j in expand(campaign) if j.format == "poster-a3")
    ctx = BuildContext(campaign, tmp_path / "c")
    inputs = REGISTRY["visual"].inputs(job, ctx)
    assert inputs.files["icc/print"] == str(PRINT_PROFILE)
    assert inputs.options["visual"]["bleed_mm"] == 3.0
    wide = campaign.model_copy(update={"bleed_mm": {"poster": 5}})
    assert REGISTRY["visual"].inputs(job, BuildContext(wide, tmp_path / "c")).digest() != inputs.digest()
    assert REGISTRY["visual"].inputs(job, BuildContext(wide, tmp_path / "c")).options["visual"]["bleed_mm"] == 5
