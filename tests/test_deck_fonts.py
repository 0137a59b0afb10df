"""Decks that look right on a PC without our fonts (issue 17 item 4).

The pptx embeds every shipped face it names as PowerPoint does (EOT parts listed in
``p:embeddedFontLst``); LibreOffice 7.4 does not read those on import, so the PDF
ships beside every pptx. Proved on a machine whose fontconfig has none of our fonts.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES
from lxml import etree

from studio.build import BuildContext, run_job
from studio.deck.builder import build_deck
from studio.deck.master import face
from studio.loader import load_campaign
from studio.plan import briefs_for, expand
from studio.visual.fonts import FONT_DIR, metrics

NS = {"p": "http://schemas.openxmlformats.org/presentationml/2006/main",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
SYSTEM_DIRS = [d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation",
                           "/usr/share/fonts/truetype/liberation2") if Path(d).is_dir()]


def first_deck_job(campaign):
    return next(j for j in expand(campaign) if j.kind == "deck")


def eot_to_ttf(data: bytes) -> bytes:
    """The font in an EOT part as libeot reads it: the library LibreOffice reads embedded EOT fonts with."""
    lib = ctypes.CDLL(ctypes.util.find_library("eot") or "libeot.so.0")
    lib.EOT2ttf_buffer.argtypes = [ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.POINTER(ctypes.c_uint8)), ctypes.POINTER(ctypes.c_uint)]
    metadata = ctypes.create_string_buffer(4096)  # struct EOTMetadata, larger than it is
    out, size = ctypes.POINTER(ctypes.c_uint8)(), ctypes.c_uint()
    assert lib.EOT2ttf_buffer(data, len(data), metadata, ctypes.byref(out), ctypes.byref(size)) == 0  # EOT_SUCCESS
    return ctypes.string_at(out, size.value)


def named_faces(z: zipfile.ZipFile) -> set[tuple[str, bool]]:
    """(typeface, bold) of every text run on the slides."""
    faces = set()
    for name in z.namelist():
        if re.fullmatch(r"ppt/slides/slide\d+\.xml", name):
            for latin in etree.fromstring(z.read(name)).iterfind(".//a:rPr/a:latin", NS):
                faces.add((latin.get("typeface"), latin.getparent().get("b") == "1"))
    return faces


def pdf_fonts(pdf: Path) -> dict[str, list[str]]:
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return {row.split()[0].split("+")[-1]: row.split() for row in rows}


@pytest.fixture
def without_our_fonts(tmp_path, monkeypatch):
    """A PC without our fonts: fontconfig sees only system fonts (DejaVu, Liberation), a fresh HOME and a
    fresh temporary folder (no warm LibreOffice profile or font cache from earlier conversions)."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    + "".join(f"  <dir>{d}</dir>\n" for d in SYSTEM_DIRS)
                    + f"  <cachedir>{tmp_path / 'fc-cache'}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    assert "DejaVu Sans" in listed and not re.search(r"Be Vietnam|Noto Sans\b|Noto Serif\b", listed), listed
    return tmp_path


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_embedded_fonts_are_the_shipped_faces_as_libreoffice_reads_them(path, tmp_path):
    campaign = load_campaign(path)
    job = first_deck_job(campaign)
    built = build_deck(campaign, campaign.phase(job.phase), briefs_for(campaign, job))
    with zipfile.ZipFile(built.save(tmp_path / "deck.pptx")) as z:
        pres = etree.fromstring(z.read("ppt/presentation.xml"))
        assert pres.get("embedTrueTypeFonts") == "1" and pres.get("saveSubsetFonts") is None
        rels = {r.get("Id"): r for r in etree.fromstring(z.read("ppt/_rels/presentation.xml.rels"))}
        types = z.read("[Content_Types].xml").decode()
        assert '<Default Extension="fntdata" ContentType="application/x-fontdata"/>' in types
        listed: dict[tuple[str, bool], bytes] = {}
        for entry in pres.iterfind("p:embeddedFontLst/p:embeddedFont", NS):
            typeface = entry.find("p:font", NS).get("typeface")
            for slot in entry.iterfind("p:regular", NS), entry.iterfind("p:bold", NS):
                for el in slot:
                    rel = rels[el.get(f"{{{NS['r']}}}id")]
                    assert rel.get("Type") == FONT_REL and rel.get("Target").endswith(".fntdata")
                    listed[(typeface, el.tag.endswith("bold"))] = eot_to_ttf(z.read("ppt/" + rel.get("Target")))
        runs = named_faces(z)
    shipped = {(m.family, m.bold): p for p in FONT_DIR.glob("*.ttf") if not (m := metrics(p)).italic}
    heading = face(campaign.brand, "heading")
    assert (heading.family, heading.bold) in runs  # the headline's face is named by the slides …
    assert runs <= set(listed) <= set(shipped)  # … and every face the slides name is embedded
    for key, ttf in listed.items():
        assert ttf == shipped[key].read_bytes(), key  # the whole shipped face, byte for byte


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_on_a_pc_without_our_fonts_the_pdf_beside_keeps_the_headline_weight(path, without_our_fonts):
    campaign = load_campaign(path)
    ctx = BuildContext(campaign, without_our_fonts / "out")  # default options: the PDF ships beside
    artifacts = run_job(first_deck_job(campaign), ctx)
    assert [a.media_type for a in artifacts] == [
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/pdf"]
    pptx, pdf = (ctx.out_root / a.path for a in artifacts)
    assert pdf.with_suffix(".pptx") == pptx
    fonts = pdf_fonts(pdf)
    headline = Path(face(campaign.brand, "heading").path).stem  # BeVietnamPro-ExtraBold / BeVietnamPro-Bold
    assert headline in fonts and fonts[headline][-5] == "yes", fonts  # the headline's own weight, embedded
    assert all(cols[-5] == "yes" for cols in fonts.values()) and \
        set(fonts) <= {p.stem for p in FONT_DIR.glob("*.ttf")}, fonts  # no substitute (DejaVu) anywhere
    from pptx import Presentation

    notes = Presentation(str(pptx)).slides[0].notes_slide.notes_text_frame.text
    families = "Be Vietnam Pro, Noto Sans" if "NotoSans-Regular" in fonts else "Be Vietnam Pro"
    assert f"Phông chữ của bài: {families} (giấy phép SIL Open Font License 1.1" in notes
    assert "assets/fonts" in notes and "fonts.google.com" in notes and "bản PDF cùng tên đi kèm" in notes


def test_deck_and_its_pdf_are_byte_identical_between_two_builds(tmp_path):
    campaign = load_campaign(EXAMPLES[0])
    job = first_deck_job(campaign)
    made = [{a.path: a.sha256 for a in run_job(job, BuildContext(campaign, tmp_path / str(n)))} for n in (1, 2)]
    assert made[0] == made[1] and len(made[0]) == 2
    for rel, digest in made[0].items():
        assert hashlib.sha256((tmp_path / "1" / campaign.id / rel).read_bytes()).hexdigest() == digest
