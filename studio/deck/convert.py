"""Deck → PDF through headless LibreOffice, seeing only the shipped fonts.

LibreOffice silently substitutes a font it cannot find, so the conversion runs
with a private fontconfig file (``FONTCONFIG_FILE``) whose only font directory
is ``assets/fonts``: the PDF can only contain the campaign's fonts, embedded,
whatever is installed on the machine. Each conversion holds its own LibreOffice
profile slot, so parallel build workers never fight over one. LibreOffice stamps
the time, a random file ID and, from run to run, numbers the font objects in a
different order: ``stable`` rewrites the file without them, so the same deck gives
the same bytes.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

from ..artifacts import atomic_path
from ..visual.fonts import FONT_DIR

TIMEOUT = 180


class ConvertError(RuntimeError):
    """LibreOffice missing, failed or timed out; the message says which and what to do."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_available() -> bool:
    return soffice() is not None


@contextmanager
def _workdir() -> Iterator[Path]:
    """A LibreOffice profile + font cache kept between runs (a warm profile converts ~3× faster).

    Profiles are slots locked with ``flock``: parallel conversions (build workers)
    each take a free slot instead of sharing one profile, which LibreOffice forbids.
    """
    root = Path(tempfile.gettempdir()) / f"studio-deck-{os.getuid()}"
    root.mkdir(parents=True, exist_ok=True)
    for n in itertools.count():
        slot = root / f"slot-{n}"
        slot.mkdir(exist_ok=True)
        with open(slot / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield slot
            return


def fonts_conf(work: Path, font_dir: Path = FONT_DIR) -> Path:
    """A fontconfig file whose only fonts are ``font_dir``: nothing else can be substituted in."""
    conf = work / "fonts.conf"
    text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            f"  <dir>{escape(str(font_dir))}</dir>\n  <cachedir>{escape(str(work / 'fc-cache'))}</cachedir>\n"
            "</fontconfig>\n")
    if not conf.exists() or conf.read_text(encoding="utf-8") != text:
        conf.write_text(text, encoding="utf-8")
    return conf


def to_pdf(pptx: str | Path, pdf: str | Path, timeout: float = TIMEOUT) -> Path:
    """Convert ``pptx`` to ``pdf`` (written atomically); ``ConvertError`` on any failure."""
    exe = soffice()
    if exe is None:
        raise ConvertError("không tìm thấy LibreOffice (soffice): cài gói libreoffice-impress-nogui để xuất PDF")
    pptx, pdf = Path(pptx).resolve(), Path(pdf)
    with _workdir() as work, tempfile.TemporaryDirectory(dir=work) as out:
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf(work)), "SAL_USE_VCLPLUGIN": "svp",
               "HOME": str(work)}
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf:impress_pdf_Export", "--outdir", out, str(pptx)]
        # soffice is a launcher script: its own session lets a timeout stop soffice.bin too.
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise ConvertError(f"{pptx.name}: LibreOffice không xong sau {timeout:g} giây") from exc
        produced = Path(out) / f"{pptx.stem}.pdf"
        if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (stderr or stdout or "").strip()[-500:]
            raise ConvertError(f"{pptx.name}: LibreOffice không xuất được PDF (mã {proc.returncode}): {detail}")
        with atomic_path(pdf) as tmp:
            stable(produced, tmp)
    return pdf


def stable(source: Path, target: Path) -> None:
    """LibreOffice's PDF without its creation time and random ID, objects renumbered in reading order
    (qpdf's traversal) and the ID derived from the content: byte-identical for the same deck."""
    import pikepdf

    with pikepdf.open(source) as doc:
        for key in ("/CreationDate", "/ModDate"):
            if key in doc.docinfo:
                del doc.docinfo[key]
        for key in ("/ID", "/DocChecksum"):
            if key in doc.trailer:
                del doc.trailer[key]
        doc.save(target, deterministic_id=True)

