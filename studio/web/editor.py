"""The brief editor: a province designer creates and edits a brief in the browser and sees it drawn.

One form holds every field of a brief (statistics and timeline steps as rows, images by
upload). Each press of a button posts the whole form, so the page works without any script:
"Xem thử" checks and draws the brief as typed, "Lưu" checks it and writes it, the row
buttons add or remove a row. Nothing is kept between requests but the form itself.

- **One validator.** The form becomes the YAML text that would be written (``briefsheet.brief_text``:
  an existing file is edited in place, comments kept), and that text is checked as ``studio
  validate`` checks a file: the loader (``load_brief``), then the dry run (``check.dry_run``) on
  the campaign with this brief alone. Each problem's field path (``stats[1].value``) is the name
  of the form control it is shown beside; nothing is written while the brief has a problem.
- **One write path.** Under the approval's file lock: the version the form was opened on (the
  SHA-256 of the file's bytes) must still be the file's, else the save is refused and the form
  shown again as typed; then an atomic replace and an audit line (``approve.append_audit``).
- **Previews are build outputs.** Each planned visual of the brief is described by the visual
  renderer's own ``inputs`` and drawn once per inputs digest into ``<state>/xem-thu/``: the PNG
  of a screen format is the very file a build would write; a print format shows the build's
  ``.preview.png``.
- **Uploads** are checked by content (Pillow decodes the whole picture; PNG, JPEG or WebP, at
  most ``MAX_UPLOAD_BYTES`` and ``MAX_PIXELS``) and stored under ``images/`` in the campaign as
  ``<slug of the file name>-<content hash>.png|jpg``: never a name or path the user chose.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from PIL import Image, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from .. import plugins
from ..artifacts import atomic_path, atomic_write_text
from ..briefsheet import brief_data, brief_text
from ..campaign import Brief, Campaign
from ..check import MAX_IMAGE_SIDE, Docs, dry_run
from ..context import BuildContext, JobContext
from ..formats import FORMATS, channel_formats
from ..loader import Problem, load_brief, parse_yaml
from ..plan import expand
from ..text import nfc, slugify
from ..vi import VIETNAM
from ..visual import job_scene, render_png
from ..visual.contact import planned_visuals
from ..visual.raster import preview, save_image
from ..visual.scene import DEFAULT_INFOGRAPHIC, template_names
from .app import Denied
from .approve import append_audit, file_lock
from .catalog import valid_slug

MAX_UPLOAD_BYTES = 10_000_000
MAX_PIXELS = 40_000_000  # a 40 MP photo: larger ones only slow every render down
UPLOAD_TYPES = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".png"}  # WebP is stored as PNG: decks take no WebP
PREVIEWED = frozenset({"visual"})  # what "Xem thử" lays out and draws; "Lưu" checks every kind
MAX_ROWS = 25  # rows of one list the form accepts (the model allows 20 statistics, 12 timeline steps)
PREVIEW_KEEP = 400  # cached preview files kept; the oldest go first
DIGEST = re.compile(r"^[0-9a-f]{64}$")
ROW = re.compile(r"^(stats|timeline|images)\[(\d{1,2})\]\.([a-z_]+)$")
ROW_FIELDS = {"stats": ("label", "value", "unit", "source", "illustrative"),
              "timeline": ("label", "start", "end", "detail"), "images": ("path", "alt")}
NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
LIST_FIELDS = ("key_messages", "slogans")  # one item a line in a textarea
ID_FIELDS = ("channels", "formats", "targets", "audiences")  # checkboxes or a multiple select
TEXT_FIELDS = ("id", "phase", "title", "headline", "body", "priority", "start", "end", "template", "qr")
#: Every field the form shows a problem beside; any other problem goes on top of the form.
FORM_FIELDS = {*TEXT_FIELDS, *LIST_FIELDS, *ID_FIELDS, *ROW_FIELDS, "approval", "new_image"}
NEW_HEADER = "Tin bài tạo trên cổng thông tin (studio serve)."
CONFLICT = ("Tin bài này vừa được người khác sửa hoặc duyệt sau khi bạn mở trang, nên chưa lưu gì. "
            "Nội dung bạn nhập vẫn còn nguyên bên dưới: mở tin bài ở thẻ mới để xem bản hiện tại, "
            "chép phần cần giữ rồi lưu lại.")


class UploadError(ValueError):
    """An uploaded picture that is refused; the message says why, in Vietnamese."""


# --- the form -------------------------------------------------------------------------

@dataclass
class Form:
    """What the form holds, as text: the brief as typed (it may not be valid yet)."""

    values: dict[str, str] = field(default_factory=dict)  # TEXT_FIELDS and LIST_FIELDS (one item a line)
    ids: dict[str, list[str]] = field(default_factory=dict)  # ID_FIELDS
    rows: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {k: [] for k in ROW_FIELDS})
    timeline_phases: bool = False
    version: str = ""  # SHA-256 of the file as the form was opened; "" for a new brief

    @classmethod
    def of(cls, brief: Brief, version: str) -> Form:
        data = brief.model_dump(mode="json")
        form = cls(version=version)
        for name in TEXT_FIELDS:
            form.values[name] = "" if data.get(name) is None else str(data[name])
        for name in LIST_FIELDS:
            form.values[name] = "\n".join(data[name])
        form.ids = {name: list(data[name]) for name in ID_FIELDS}
        form.rows["stats"] = [{"label": s["label"], "value": _number(s["value"]), "unit": s["unit"],
                               "source": s["source"], "illustrative": "1" if s["illustrative"] else ""}
                              for s in data["stats"]]
        form.timeline_phases = data["timeline"] == "phases"
        form.rows["timeline"] = [] if form.timeline_phases else [
            {k: "" if v is None else str(v) for k, v in step.items()} for step in data["timeline"]]
        form.rows["images"] = [dict(image) for image in data["images"]]
        return form

    @classmethod
    def read(cls, posted) -> Form:
        """The posted form (a Starlette ``FormData``); text is NFC with Unix line ends."""
        def text(value: Any) -> str:
            return nfc(str(value)).replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else ""

        form = cls(version=text(posted.get("version")).strip())
        for name in (*TEXT_FIELDS, *LIST_FIELDS):
            form.values[name] = text(posted.get(name))
        form.ids = {name: [text(v).strip() for v in posted.getlist(name) if text(v).strip()][:500]
                    for name in ID_FIELDS}
        rows: dict[str, dict[int, dict[str, str]]] = {k: {} for k in ROW_FIELDS}
        for key, value in posted.multi_items():
            match = ROW.match(key)
            if match and int(match[2]) < MAX_ROWS and match[3] in ROW_FIELDS[match[1]]:
                rows[match[1]].setdefault(int(match[2]), {})[match[3]] = text(value).strip()
        form.rows = {k: [rows[k][i] for i in sorted(rows[k])] for k in ROW_FIELDS}
        form.timeline_phases = bool(posted.get("timeline_phases"))
        return form

    def data(self) -> dict:
        """The brief as the file will hold it (JSON-mode values, empty fields left out)."""
        out: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = self.values.get(name, "")
            value = value if name == "body" else value.strip()
            if value.strip():
                out[name] = value
        for name in LIST_FIELDS:
            lines = [line.strip() for line in self.values.get(name, "").split("\n") if line.strip()]
            if lines:
                out[name] = lines
        for name in ID_FIELDS:
            if self.ids.get(name):
                out[name] = list(dict.fromkeys(self.ids[name]))
        stats = []
        for row in (self.rows["stats"][i] for i in self.kept("stats")):
            value = row.get("value", "")
            stat: dict[str, Any] = {"label": row.get("label", ""),
                                    "value": float(value) if NUMBER.match(value) else value}
            stat.update({k: row[k] for k in ("unit", "source") if row.get(k)})
            if row.get("illustrative"):
                stat["illustrative"] = True
            stats.append(stat)
        if stats:
            out["stats"] = stats
        if self.timeline_phases:
            out["timeline"] = "phases"
        else:
            steps = [{k: v for k in ROW_FIELDS["timeline"] if (v := self.rows["timeline"][i].get(k))}
                     for i in self.kept("timeline")]
            if steps:
                out["timeline"] = steps
        images = [{k: v for k in ("path", "alt") if (v := self.rows["images"][i].get(k))} for i in self.kept("images")]
        if images:
            out["images"] = images
        if out.get("priority") == "normal":
            del out["priority"]
        return out

    def kept(self, kind: str) -> list[int]:
        """The rows that go into the file (blank ones do not), by their place in the form: the file's
        ``stats[1]`` is the form's row ``kept("stats")[1]``."""
        filled = {"stats": ("label", "value", "unit", "source"), "timeline": ROW_FIELDS["timeline"],
                  "images": ("path",)}[kind]
        return [i for i, row in enumerate(self.rows[kind]) if any(row.get(k) for k in filled)]

    def shown_rows(self, kind: str) -> list[dict[str, str]]:
        """The rows to draw: the typed ones and one blank row to fill."""
        rows = list(self.rows[kind])
        if kind != "images" and (not rows or any(rows[-1].values())):
            rows.append({})
        return rows

    def act(self, action: str) -> None:
        """A row button: ``them-so-lieu``, ``xoa-so-lieu-2``, ``them-moc``, ``xoa-moc-0``, ``xoa-anh-1``."""
        kinds = {"so-lieu": "stats", "moc": "timeline", "anh": "images"}
        match = re.fullmatch(r"(them|xoa)-(so-lieu|moc|anh)(?:-(\d{1,2}))?", action)
        if not match:
            return
        rows = self.rows[kinds[match[2]]]
        if match[1] == "them" and len(rows) < MAX_ROWS:
            rows.append({k: "" for k in ROW_FIELDS[kinds[match[2]]]})
        elif match[1] == "xoa" and match[3] is not None and int(match[3]) < len(rows):
            del rows[int(match[3])]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


# --- checking: the same checks as studio validate -----------------------------------------

@dataclass
class Checked:
    text: str  # the file as it would be written
    brief: Brief | None  # None when it cannot be read as a brief at all
    problems: list[Problem]  # of this brief: nothing may be written while there is one
    notes: list[Problem]  # what builds but is worth knowing (a template cannot show every statistic…)
    elsewhere: list[Problem]  # the campaign's own problems, which saving this brief neither causes nor fixes

    def placed(self, form: Form, kind: str = "problems") -> dict[str, list[str]]:
        """Messages by the form control they are shown beside (``placed_at``)."""
        out: dict[str, list[str]] = {}
        for p in getattr(self, kind):
            anchor, what = placed_at(p.field, form)
            out.setdefault(anchor, []).append(f"{what}: {p.message}" if what else p.message)
        return out


#: What the form calls the item of a list a problem names (``key_messages[2]`` → "dòng 3").
ITEM_WORDS = {"key_messages": "dòng", "slogans": "dòng", "channels": "kênh thứ", "formats": "định dạng thứ",
              "targets": "đơn vị thứ", "audiences": "đối tượng thứ"}
CELLS = {"stats": ("label", "value", "unit", "source"), "timeline": ROW_FIELDS["timeline"],
         "images": ("path", "alt")}


def placed_at(path: str, form: Form) -> tuple[str, str]:
    """The form control a problem's field path is shown beside (the template's names), and what to call the
    part of it at fault: ``stats[1].value`` → the value cell of the second filled statistic row."""
    match = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?(.*)", path or "")
    if not match or match[1] not in FORM_FIELDS:
        return "", path
    root, index, sub, rest = match[1], match[2], match[3], match[4]
    if root in ROW_FIELDS and index is not None:
        kept = form.kept(root)
        if int(index) >= len(kept):
            return root, f"dòng {int(index) + 1}"
        row = f"{root}[{kept[int(index)]}]"
        if sub in CELLS[root] and not rest:
            return f"{row}.{sub}", ""
        return row, path[len(f"{root}[{index}]"):].lstrip(".")
    if root in ITEM_WORDS and index is not None:
        return root, f"{ITEM_WORDS[root]} {int(index) + 1}"
    return root, path[len(root):].lstrip(".")


def check_text(campaign: Campaign, rel: str, text: str, own_id: str | None = None,
               kinds: frozenset[str] | None = None) -> Checked:
    """Check ``text`` as the brief file ``rel`` of ``campaign`` (``own_id``: the brief that file holds now).

    ``kinds``: lay out only the planned jobs of these renderer kinds (a preview checks the visuals it
    draws, in well under the seconds the bulletins, decks and videos of a brief take); None: all, as
    ``studio validate`` does, and as a save does."""
    problems: list[Problem] = []
    doc = parse_yaml(text, rel, problems)
    found = load_brief(doc, campaign, campaign.unit_tree(), problems) if doc is not None else None
    brief = found[0] if found and not found[1] else None
    if brief is not None and brief.id != own_id and any(b.id == brief.id for b in campaign.briefs):
        problems.append(Problem(rel, doc.line(("id",)), "id", f"mã tin bài {brief.id} đã có: chọn mã khác"))
    if problems or brief is None:
        return Checked(text, None if problems else brief, problems, [], [])
    alone = campaign.model_copy(update={"briefs": [brief]})
    if kinds is not None:
        formats = sorted({j.format for j in expand(alone, [brief.phase]) if j.brief == brief.id and j.kind in kinds})
        if not formats:  # nothing of these kinds is planned: the loader's checks are the checks
            return Checked(text, brief, [], [], [])
        alone = alone.model_copy(update={"briefs": [brief.model_copy(update={"formats": formats})]})
    base = Docs.read(campaign.model_copy(update={"briefs": []}))  # campaign.yaml and the units file
    docs = Docs(base.campaign, base.units, {brief.id: doc})
    notes: list[Problem] = []
    found_all = dry_run(alone, notes=notes, docs=docs)
    mine = [p for p in found_all if p.file in (rel, brief.id, "")]
    return Checked(text, brief, mine, [n for n in notes if n.file == rel],
                   [p for p in found_all if p not in mine])


def file_version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- uploads ----------------------------------------------------------------------------

def store_upload(root: Path, filename: str, data: bytes) -> str:
    """Check an uploaded picture by its content and store it in ``<root>/images``; return its path as a brief
    writes it (``images/<name>``). Raises ``UploadError``."""
    if not data:
        raise UploadError("tệp trống: chọn lại ảnh")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"ảnh lớn quá {MAX_UPLOAD_BYTES // 1_000_000} MB: thu nhỏ hoặc nén ảnh rồi tải lại")
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind, (w, h) = img.format, img.size
            if kind not in UPLOAD_TYPES:
                raise UploadError(f"tệp là ảnh {kind}: chỉ nhận PNG, JPEG hoặc WebP")
            if w * h > MAX_PIXELS or max(w, h) > MAX_IMAGE_SIDE:
                raise UploadError(f"ảnh {w}×{h} điểm ảnh quá lớn: cạnh dài tối đa {MAX_IMAGE_SIDE}, "
                                  f"tối đa {MAX_PIXELS // 1_000_000} triệu điểm ảnh; thu nhỏ ảnh")
            img.verify()  # structure and checksums
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # every pixel decodes: a truncated or forged file fails here
            picture = img.copy() if kind != "JPEG" else None
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadError("tệp không phải ảnh PNG, JPEG hoặc WebP đọc được (có thể chỉ đổi đuôi tên tệp): "
                          "mở ảnh bằng trình xem ảnh, lưu lại dạng PNG hoặc JPEG rồi tải lên") from None
    if picture is not None:  # PNG and WebP: re-encoded (lossless), so only pixels are kept
        out = io.BytesIO()
        picture.save(out, "PNG")
        data = out.getvalue()
    stem = slugify(Path(filename or "anh").stem)[:40].strip("-") or "anh"
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}{UPLOAD_TYPES[kind]}"
    target = root / "images" / name
    if not target.exists():
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    return f"images/{name}"


# --- previews: the build's own visuals, by inputs digest -----------------------------------

@dataclass
class Shot:
    format: str
    name: str
    digest: str = ""
    error: str = ""


def previews(campaign: Campaign, brief: Brief, folder: Path) -> list[Shot]:
    """Every planned visual of ``brief`` (a format's first unit), drawn unless its inputs digest is cached."""
    alone = campaign.model_copy(update={"briefs": [brief]})
    ctx = BuildContext(alone, folder / "ra")  # never written: previews go to ``folder`` by digest
    renderer = plugins.load()["visual"]
    shots = []
    for job in planned_visuals(alone, brief):
        shot = Shot(job.format, FORMATS[job.format].name)
        try:
            inputs = renderer.inputs(job, ctx)
            shot.digest = inputs.digest()
            target = folder / f"{shot.digest}.png"
            if not target.exists():
                scene = job_scene(job, JobContext(inputs, ctx.out_root, ctx.cache))
                if scene.units == "px":
                    render_png(scene, target)  # the file the build writes
                else:
                    save_image(preview(scene), target, "png")  # the build's .preview.png of the PDF
            else:
                os.utime(target)
        except Exception as exc:  # noqa: BLE001 - the checks above name the field; the card says it failed
            shot.digest, shot.error = "", f"không vẽ được: {exc}"
        shots.append(shot)
    _prune(folder)
    return shots


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime)
    for path in files[:-PREVIEW_KEEP]:
        path.unlink(missing_ok=True)


# --- routes ---------------------------------------------------------------------------

def mount_editor(app: FastAPI, *, state, page, designer, check_csrf, settings) -> None:
    """Add the editor's pages to the portal (``create_app`` passes its own helpers)."""
    preview_dir = Path(settings.state_dir) / "xem-thu"
    lock = Path(settings.audit_file).with_suffix(".lock")  # the approval's lock: one writer of briefs at a time

    def choices(c: Campaign) -> dict:
        tree = c.unit_tree()
        return {"phases": c.all_phases(), "channels": c.channels, "audiences": c.audiences,
                "units": [u for u in tree if u.level != "province"],
                "formats": {ch.id: [(f, FORMATS[f].name) for f in channel_formats(ch.formats) if f in FORMATS]
                            for ch in c.channels},
                "templates": [t for t in template_names() if t not in ("pano", "poster", "leaflet")],
                "default_template": DEFAULT_INFOGRAPHIC, "keep_together": c.keep_together}

    def show(request, me, form: Form, *, brief_id: str | None, checked: Checked | None, status: int = 200,
             approved: dict | None = None, message: str = "", saved: bool = False, upload_error: str = "",
             started: float | None = None):
        """The editor page; ``started``: when the posted form began to be checked (the page says how long
        checking and drawing took)."""
        c = state.get()
        shots = previews(c, checked.brief, preview_dir) if checked is not None and checked.brief is not None else []
        elapsed = time.perf_counter() - started if started is not None else None
        problems = checked.placed(form) if checked else {}
        if upload_error:
            problems.setdefault("new_image", []).append(upload_error)
        return page(request, "brief_edit.html", status=status, me=me, form=form, brief_id=brief_id,
                    problems=problems, notes=checked.placed(form, "notes") if checked else {},
                    elsewhere=checked.elsewhere if checked else [], shots=shots, approval=approved or {},
                    message=message, saved=saved, elapsed=elapsed, **choices(c))

    def brief_path(c: Campaign, brief_id: str) -> Path:
        brief = next((b for b in c.briefs if b.id == brief_id), None) if valid_slug(brief_id) else None
        if brief is None:
            raise Denied(404, "Không có tin bài này.")
        root = Path(c.root).resolve()
        path = (root / brief.source).resolve()
        if not path.is_relative_to(root / "briefs"):
            raise Denied(404, "Không có tin bài này.")
        return path

    def current(path: Path) -> tuple[str, str, dict]:
        """The file's text, its version and its approval entry as written."""
        data = path.read_bytes()
        text = data.decode("utf-8")
        doc = parse_yaml(text, path.name, [])
        approval = doc.data.get("approval") if doc and isinstance(doc.data, dict) else None
        return text, file_version(data), approval if isinstance(approval, dict) else {}

    @app.get("/tin-bai/moi")
    def new_form(request: Request, giai_doan: str = ""):
        me = designer(request)
        c = state.get()
        form = Form()
        form.values["phase"] = giai_doan if giai_doan in {p.id for p in c.all_phases()} else ""
        return show(request, me, form, brief_id=None, checked=None)

    @app.get("/tin-bai/{brief_id}/sua")
    def edit_form(request: Request, brief_id: str, ok: str = ""):
        me = designer(request)
        c = state.get()
        path = brief_path(c, brief_id)
        text, version, approval = current(path)
        rel = str(path.relative_to(Path(c.root).resolve()))
        checked = check_text(c, rel, text, brief_id, PREVIEWED)
        brief = checked.brief or c.brief(brief_id)
        return show(request, me, Form.of(brief, version), brief_id=brief_id, checked=checked,
                    approved=approval, saved=ok == "1")

    @app.post("/tin-bai/moi")
    async def create(request: Request):
        return await posted(request, None)

    @app.post("/tin-bai/{brief_id}/sua")
    async def edit(request: Request, brief_id: str):
        return await posted(request, brief_id)

    async def posted(request: Request, brief_id: str | None):
        me = designer(request)
        body = bytearray()  # read with a bound before parsing: a multipart parser spools whatever it is sent
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES + 1_000_000:
                raise Denied(413, f"Dữ liệu gửi lên quá lớn: ảnh tối đa {MAX_UPLOAD_BYTES // 1_000_000} MB.")
        request._body = bytes(body)  # what request.form() parses
        posted_form = await request.form(max_files=1, max_fields=1000)
        check_csrf(me, str(posted_form.get("csrf") or ""))
        upload = posted_form.get("new_image")
        data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
        return await run_in_threadpool(handle, request, me, posted_form, brief_id,
                                       (upload.filename, data) if data is not None else None)

    def handle(request, me, posted_form, brief_id: str | None, upload: tuple[str, bytes] | None):
        c = state.get()
        root = Path(c.root).resolve()
        path = brief_path(c, brief_id) if brief_id else None
        form = Form.read(posted_form)
        if brief_id:
            form.values["id"] = brief_id  # a brief's id names its file: it is not changed here
        action = str(posted_form.get("action") or "xem")
        upload_error = ""
        if upload is not None:
            try:
                stored = store_upload(root, upload[0], upload[1])
                form.rows["images"].append({"path": stored, "alt": form_text(posted_form, "new_image_alt")})
            except UploadError as exc:
                upload_error = str(exc)
        form.act(action)
        text, version, approval = current(path) if path else (None, "", {})
        new_id = form.values.get("id", "").strip()
        if path is None:
            path = root / "briefs" / f"{new_id if valid_slug(new_id) else 'tin-bai-moi'}.yaml"
        rel = str(path.relative_to(root))
        started = time.perf_counter()
        checked = check_candidate(c, form, rel, text, brief_id, None if action == "luu" else PREVIEWED)
        if action != "luu" or upload_error:
            return show(request, me, form, brief_id=brief_id, checked=checked, approved=approval,
                        upload_error=upload_error, status=422 if upload_error else 200, started=started)
        if checked.problems or checked.brief is None:
            return show(request, me, form, brief_id=brief_id, checked=checked, approved=approval, status=422,
                        message="Chưa lưu: tin bài còn lỗi (ghi ở cạnh từng ô). Sửa rồi bấm Lưu lại.")
        with file_lock(lock):
            exists = path.exists()
            now = file_version(path.read_bytes()) if exists else ""
            if now != form.version or (brief_id is None and (exists or any(b.id == new_id for b in
                                                                               state.get(force=True).briefs))):
                message = CONFLICT if brief_id else (f"Đã có tin bài mã {new_id} (vừa được tạo): chọn mã khác. "
                                                     "Nội dung bạn nhập vẫn còn nguyên bên dưới.")
                return show(request, me, form, brief_id=brief_id, checked=checked, approved=approval,
                            status=409, message=message)
            if exists and checked.text == text:  # nothing changed: nothing to write or record
                return RedirectResponse(f"/tin-bai/{checked.brief.id}/sua?ok=1", status_code=303)
            atomic_write_text(path, checked.text)
            entry = {"at": _now(), "action": "edit" if exists else "create", "brief": checked.brief.id,
                     "file": rel, "by": me.token.name, "previous": (approval or {}).get("status", "draft"),
                     "version": file_version(checked.text.encode("utf-8")), "previous_version": now,
                     "token": me.token.id, "role": me.token.role,
                     "client": request.client.host if request.client else ""}
            append_audit(Path(settings.audit_file), entry)
        state.get(force=True)
        return RedirectResponse(f"/tin-bai/{checked.brief.id}/sua?ok=1", status_code=303)

    def check_candidate(c: Campaign, form: Form, rel: str, text: str | None, brief_id: str | None,
                        kinds: frozenset[str] | None) -> Checked:
        """The form as the file it would write, checked. An approved brief keeps its approval only while its
        content is what was approved; any change takes it back to draft."""
        old = None
        if text is not None:
            doc = parse_yaml(text, rel, [])
            data = doc.data if doc and isinstance(doc.data, dict) else None
            try:
                old = brief_data(Brief.model_validate(data)) if data else None
            except ValueError:  # a file broken by hand: compare with what it says
                old = dict(data) if data else None
        new = form.data()
        if old and old.get("approval") and new == {k: v for k, v in old.items() if k != "approval"}:
            new["approval"] = old["approval"]
        return check_text(c, rel, brief_text(new, old, text, NEW_HEADER), brief_id, kinds)

    @app.get("/xem-thu/{name}")
    def preview_file(request: Request, name: str):
        designer(request)
        digest, _, ext = name.partition(".")
        path = preview_dir / f"{digest}.png"
        if ext != "png" or not DIGEST.match(digest) or not path.is_file():
            return Response("Không có bản xem thử này.", status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


def form_text(posted, name: str) -> str:
    value = posted.get(name)
    return nfc(value).strip() if isinstance(value, str) else ""


def _now() -> str:
    return datetime.now(VIETNAM).replace(microsecond=0).isoformat()
