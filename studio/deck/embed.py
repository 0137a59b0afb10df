"""The shipped fonts a deck uses, embedded in the pptx the way PowerPoint embeds them.

ECMA-376 Part 1 §19.2.1.9–10: ``p:embeddedFontLst`` in ``presentation.xml`` lists each
typeface with its ``regular`` / ``bold`` parts, related from the presentation part
with the ``…/relationships/font`` type; each part (``ppt/fonts/fontN.fntdata``,
``application/x-fontdata``) holds the face as Embedded OpenType (EOT) — the format
PowerPoint writes there and LibreOffice's importer (newer than 7.4) reads with libeot.
We write EOT 2.1 without MicroType compression or XOR: a header of the face's OS/2
and name fields, then the shipped TTF unchanged. Be Vietnam Pro and Noto are OFL
fonts with OS/2 ``fsType`` 0 (installable embedding), so nothing restricts them.

Which faces: every (typeface, bold) the package's XML names — runs, list styles,
bullets, chart text, the theme — that is a shipped face (``assets/fonts``).
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part, XmlPart
from pptx.opc.packuri import PackURI
from pptx.oxml.ns import qn

from ..visual.fonts import FONT_DIR, metrics

EOT_VERSION = 0x00020001
EOT_MAGIC = 0x504C
DEFAULT_CHARSET = 1
TYPEFACE_TAGS = (qn("a:latin"), qn("a:cs"), qn("a:buFont"))
#: presentation.xml children that come after ``p:embeddedFontLst`` (CT_Presentation's sequence)
AFTER = tuple(qn(f"p:{tag}") for tag in ("custShowLst", "photoAlbum", "custDataLst", "kinsoku",
                                         "defaultTextStyle", "modifyVerifier", "extLst"))


@lru_cache(maxsize=1)
def shipped() -> dict[tuple[str, bool], Path]:
    """(family as office apps name it, bold) → the shipped upright TTF."""
    faces: dict[tuple[str, bool], Path] = {}
    for path in sorted(FONT_DIR.glob("*.ttf")):
        m = metrics(path)
        if not m.italic:
            faces.setdefault((m.family, m.bold), path)
    return faces


def used_faces(prs) -> list[tuple[str, bool]]:
    """Every shipped (family, bold) the presentation's parts name, sorted."""
    found: set[tuple[str, bool]] = set()
    for part in prs.part.package.iter_parts():
        if not isinstance(part, XmlPart):
            continue
        for el in part._element.iter(*TYPEFACE_TAGS):
            bold = el.getparent().get("b") in ("1", "true") and el.tag != qn("a:buFont")
            found.add((el.get("typeface", ""), bold))
    return sorted(face for face in found if face in shipped())


def families(faces: list[tuple[str, bool]]) -> list[str]:
    """The typographic families of ``faces`` ("Be Vietnam Pro", "Noto Sans"), as a reader names them."""
    names = []
    for face in faces:
        name = TTFont(str(shipped()[face]), lazy=True)["name"]
        names.append(str(name.getDebugName(16) or name.getDebugName(1)))
    return sorted(set(names))


def panose(path: Path) -> bytes:
    """The face's 10 PANOSE classification bytes (OS/2), which an app without it matches a substitute by."""
    p = TTFont(str(path), lazy=True)["OS/2"].panose
    return bytes([p.bFamilyType, p.bSerifStyle, p.bWeight, p.bProportion, p.bContrast, p.bStrokeVariation,
                  p.bArmStyle, p.bLetterForm, p.bMidline, p.bXHeight])


def eot(path: Path) -> bytes:
    """The TTF at ``path`` in an EOT 2.1 wrapper (no compression, no XOR, not subset)."""
    data = path.read_bytes()
    font = TTFont(str(path), lazy=True)
    os2, name = font["OS/2"], font["name"]
    header = panose(path) + struct.pack("<BBIHH4I2II4I", DEFAULT_CHARSET, os2.fsSelection & 1, os2.usWeightClass,
                                  os2.fsType, EOT_MAGIC, os2.ulUnicodeRange1, os2.ulUnicodeRange2,
                                  os2.ulUnicodeRange3, os2.ulUnicodeRange4, os2.ulCodePageRange1,
                                  os2.ulCodePageRange2, font["head"].checkSumAdjustment, 0, 0, 0, 0)
    for name_id in (1, 2, 5, 4):  # family, style, version, full name; each after a zero padding word
        text = str(name.getDebugName(name_id) or "").encode("utf-16-le")
        header += struct.pack("<HH", 0, len(text)) + text
    header += struct.pack("<HH", 0, 0)  # padding, empty root string
    size = 16 + len(header) + len(data)
    return struct.pack("<4I", size, len(data), EOT_VERSION, 0) + header + data


def embed(prs, faces: list[tuple[str, bool]]) -> None:
    """Add the font parts of ``faces`` and list them in ``presentation.xml`` (PowerPoint's "embed all
    characters": whole faces, so the deck stays editable on a PC without them)."""
    pres = prs.part
    root = pres._element
    lst = root.makeelement(qn("p:embeddedFontLst"), {})
    by_family: dict[str, list[bool]] = {}
    for family, bold in faces:
        by_family.setdefault(family, []).append(bold)
    n = 0
    for family, weights in by_family.items():
        entry = lst.makeelement(qn("p:embeddedFont"), {})
        lst.append(entry)
        classes = panose(shipped()[(family, weights[0])])
        entry.append(entry.makeelement(qn("p:font"), {"typeface": family, **({"panose": classes.hex().upper()}
                                                                             if any(classes) else {})}))
        for bold in sorted(weights):
            n += 1
            part = Part(PackURI(f"/ppt/fonts/font{n}.fntdata"), CT.X_FONTDATA, pres.package,
                        eot(shipped()[(family, bold)]))
            rid = pres.relate_to(part, RT.FONT)
            entry.append(entry.makeelement(qn("p:bold" if bold else "p:regular"), {qn("r:id"): rid}))
    later = next((child for child in root if child.tag in AFTER), None)
    if later is None:
        root.append(lst)
    else:
        later.addprevious(lst)
    root.set("embedTrueTypeFonts", "1")  # PowerPoint keeps them when it saves again
    root.attrib.pop("saveSubsetFonts", None)  # … whole, so the next editor has every character
