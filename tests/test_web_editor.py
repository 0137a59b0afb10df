"""The brief editor (``studio.web.editor``) through the portal: who may use it, validation beside each
field (the same messages as ``studio validate``), uploads checked by content, the version check,
the audit line, and files that keep their comments and still validate."""

from __future__ import annotations

import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner
from web_login import sign_in

from studio.build import build
from studio.check import dry_run
from studio.cli import app as cli
from studio.loader import CampaignError, load_campaign
from studio.plan import Selection
from studio.web import Settings, create_app, tokens_for
from studio.web.editor import MAX_UPLOAD_BYTES

DRAFT = "dot3-ket-qua-dai-hoi"  # a draft brief of the example
APPROVED = "dot1-tinh-cam-ky-vong"


@pytest.fixture
def portal(campaign_copy, sample_out, tmp_path):
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    application = create_app(campaign_copy, str(sample_out), settings)
    store = tokens_for(campaign_copy, settings)
    tokens = {"designer": store.issue("ninh-thuan", "designer", "Lê Thị Biên Tập, Sở VHTTDL")[1],
              "operator": store.issue("phuoc-hoa", "operator", "xã Phước Hòa")[1]}
    return {"app": application, "settings": settings, "campaign": campaign_copy, "tokens": tokens}


def client_for(portal, who: str = "designer") -> TestClient:
    client = TestClient(portal["app"])
    assert sign_in(client, portal["tokens"][who]).status_code == 200
    return client


class FormReader(HTMLParser):
    """The editor form's controls as a browser would post them (checked boxes, selected options, text)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.errors: dict[str, list[str]] = {}
        self._text: list[str] | None = None
        self._select = ""
        self._error: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "editor-form" in (a.get("class") or ""):
            self._in_form = True
        if tag == "p" and a.get("class") == "field-error":
            self._error = a.get("data-field", "")
            self.errors.setdefault(self._error, []).append("")
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "textarea":
            self._text = self.fields.setdefault(a["name"], [])
            self._text.append("")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and "selected" in a:
            self.fields.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "textarea" and self._text is not None:
            self._text[-1] = self._text[-1].removeprefix("\n")
            self._text = None
        if tag == "p":
            self._error = None
        if tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._text is not None:
            self._text[-1] += data
        if self._error is not None:
            self.errors[self._error][-1] += data


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def form_of(client: TestClient, url: str) -> dict[str, list[str]]:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return read_form(page.text).fields


def png_bytes(size=(64, 48), color=(200, 30, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def audit_lines(portal) -> list[dict]:
    path = Path(portal["settings"].state_dir) / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def shots(html: str) -> dict[str, str]:
    """Format → preview digest, as the page shows them."""
    return dict(re.findall(r'data-format="([^"]+)">\s*<a href="/xem-thu/([0-9a-f]{64})\.png"', html))


# --- who ---------------------------------------------------------------------------------

def test_only_designers_edit(portal):
    operator = client_for(portal, "operator")
    for url in ("/tin-bai/moi", f"/tin-bai/{DRAFT}/sua"):
        assert operator.get(url).status_code == 403
    assert operator.post("/tin-bai/moi", data={"id": "x"}).status_code == 403
    assert operator.post(f"/tin-bai/{DRAFT}/sua", data={"headline": "x"}).status_code == 403
    anonymous = TestClient(portal["app"])
    response = anonymous.get(f"/tin-bai/{DRAFT}/sua", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dang-nhap"
    designer = client_for(portal)
    assert designer.get("/tin-bai/khong-co/sua").status_code == 404
    assert designer.get("/tin-bai/..%2Fcampaign/sua").status_code == 404
    fields = form_of(designer, f"/tin-bai/{DRAFT}/sua")
    del fields["csrf"]
    assert designer.post(f"/tin-bai/{DRAFT}/sua", data={**fields, "action": "luu"}).status_code == 403  # no CSRF


# --- validation beside each field, as studio validate says it ------------------------------

BAD = {  # five mistakes, each in its own field
    "id": ["tin-thu"], "phase": ["dot-1"], "title": ["Tin thử"], "headline": [""],
    "stats[0].label": ["Tăng trưởng"], "stats[0].value": ["12,5"], "stats[0].source": ["Cục Thống kê"],
    "channels": ["mang-xa-hoi"], "audiences": ["khong-co"], "start": ["2025-02-30"], "qr": ["trang-web"],
}
BAD_YAML = """id: tin-thu
phase: dot-1
title: Tin thử
stats:
  - {label: Tăng trưởng, value: "12,5", source: Cục Thống kê}
channels: [mang-xa-hoi]
audiences: [khong-co]
start: 2025-02-30
qr: trang-web
"""


def test_errors_are_shown_beside_their_fields_as_validate_says_them(portal):
    client = client_for(portal)
    csrf = form_of(client, "/tin-bai/moi")["csrf"]
    response = client.post("/tin-bai/moi", data={**BAD, "csrf": csrf, "action": "luu"})
    assert response.status_code == 422
    assert "Chưa lưu: tin bài còn lỗi" in response.text
    errors = read_form(response.text).errors
    assert not (portal["campaign"] / "briefs" / "tin-thu.yaml").exists()  # nothing written
    assert not audit_lines(portal)
    # The same mistakes written by hand: the loader of studio validate names the same fields, same words.
    (portal["campaign"] / "briefs" / "tin-thu.yaml").write_text(BAD_YAML, encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign(portal["campaign"])
    said = {p.field: p.message for p in raised.value.problems if p.file == "briefs/tin-thu.yaml"}
    assert set(said) == {"headline", "stats[0].value", "start", "qr", "audiences[0]"}
    for field in ("headline", "stats[0].value", "start", "qr"):
        assert errors[field] == [said[field]], field
    assert errors["audiences"] == [f"đối tượng thứ 1: {said['audiences[0]']}"]
    assert CliRunner().invoke(cli, ["validate", str(portal["campaign"])]).exit_code == 2
    # The form keeps what was typed.
    assert read_form(response.text).fields["stats[0].value"] == ["12,5"]


def test_preview_draws_the_form_as_typed_and_writes_nothing(portal):
    client = client_for(portal)
    url = f"/tin-bai/{DRAFT}/sua"
    path = portal["campaign"] / "briefs" / f"{DRAFT}.yaml"
    before = path.read_bytes()
    page = client.get(url).text
    saved = shots(page)
    assert "infographic-1080x1080" in saved
    fields = read_form(page).fields
    response = client.post(url, data={**fields, "headline": ["Đại hội thành công tốt đẹp"], "action": "xem"})
    assert response.status_code == 200
    typed = shots(response.text)
    assert set(typed) == set(saved) and typed["infographic-1080x1080"] != saved["infographic-1080x1080"]
    assert path.read_bytes() == before
    image = client.get(f"/xem-thu/{typed['infographic-1080x1080']}.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (1080, 1080)
    assert client.get("/xem-thu/" + "0" * 64 + ".png").status_code == 404
    assert client.get("/xem-thu/..%2Fsecret.key").status_code == 404
    assert client_for(portal, "operator").get(f"/xem-thu/{typed['infographic-1080x1080']}.png").status_code == 403


def test_rows_are_added_and_removed_without_script(portal):
    client = client_for(portal)
    url = "/tin-bai/moi"
    fields = form_of(client, url)
    fields.update({"stats[0].label": ["Một"], "stats[0].value": ["1"], "stats[0].source": ["Sở"]})
    more = read_form(client.post(url, data={**fields, "action": "them-so-lieu"}).text).fields
    assert more["stats[1].label"] == [""] and "stats[2].label" not in more  # the new row, blank
    assert "stats[2].label" in read_form(client.post(url, data={**more, "action": "them-so-lieu"}).text).fields
    more.update({"stats[1].label": ["Hai"], "stats[1].value": ["2"]})
    fewer = read_form(client.post(url, data={**more, "action": "xoa-so-lieu-0"}).text).fields
    assert fewer["stats[0].label"] == ["Hai"]


# --- saving ------------------------------------------------------------------------------

def test_save_keeps_comments_validates_and_is_audited(portal, tmp_path):
    client = client_for(portal)
    path = portal["campaign"] / "briefs" / f"{DRAFT}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text("# Tin bài tổng kết: chờ số liệu chính thức.\n"
                    + text.replace("\nphase:", "  # không đổi mã\nphase:", 1), encoding="utf-8")
    url = f"/tin-bai/{DRAFT}/sua"
    fields = form_of(client, url)
    fields["headline"] = ["Đại hội Đảng bộ tỉnh lần thứ XV thành công tốt đẹp"]
    fields["key_messages"] = [fields["key_messages"][0] + "\nNghị quyết Đại hội đi vào cuộc sống."]
    response = client.post(url, data={**fields, "action": "luu"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{url}?ok=1"
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# Tin bài tổng kết: chờ số liệu chính thức.\n")
    assert "  # không đổi mã\n" in after
    c = load_campaign(portal["campaign"])
    brief = c.brief(DRAFT)
    assert brief.headline == "Đại hội Đảng bộ tỉnh lần thứ XV thành công tốt đẹp"
    assert brief.key_messages[-1] == "Nghị quyết Đại hội đi vào cuộc sống."
    assert [p for p in dry_run(c) if p.file == f"briefs/{DRAFT}.yaml"] == []
    (entry,) = audit_lines(portal)
    assert entry["action"] == "edit" and entry["brief"] == DRAFT and entry["by"] == "Lê Thị Biên Tập, Sở VHTTDL"
    assert entry["version"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "Sửa tin bài" in client.get("/nhat-ky").text
    page = client.get(f"{url}?ok=1").text
    assert "Đã lưu tin bài" in page
    # The saved brief's preview is the very file the build makes, named by the build's inputs hash.
    digest = shots(page)["infographic-1080x1080"]
    shown = client.get(f"/xem-thu/{digest}.png").content
    report = build(c, tmp_path / "out", [brief.phase], workers=1,
                   select=Selection(briefs={DRAFT}, formats={"infographic-1080x1080"}, units={"ninh-thuan"}))
    assert report.ok and report.rendered == 1
    manifest = json.loads(report.manifests[0].read_text(encoding="utf-8"))
    (art,) = [a for a in manifest["artifacts"] if a["brief"] == DRAFT and a["path"].endswith(".png")
              and a["format"] == "infographic-1080x1080"]
    assert art["inputs_hash"] == digest and art["sha256"] == hashlib.sha256(shown).hexdigest()


def test_an_approved_brief_goes_back_to_draft_when_its_content_changes(portal):
    client = client_for(portal)
    url = f"/tin-bai/{APPROVED}/sua"
    path = portal["campaign"] / "briefs" / f"{APPROVED}.yaml"
    before = path.read_bytes()
    fields = form_of(client, url)
    assert client.post(url, data={**fields, "action": "luu"}, follow_redirects=False).status_code == 303
    assert path.read_bytes() == before and not audit_lines(portal)  # nothing changed: nothing written
    fields["title"] = [fields["title"][0] + " (bản sửa)"]
    assert client.post(url, data={**fields, "action": "luu"}, follow_redirects=False).status_code == 303
    assert not load_campaign(portal["campaign"]).brief(APPROVED).approved
    assert audit_lines(portal)[-1]["previous"] == "approved"


def test_a_stale_version_is_refused_and_the_input_kept(portal):
    client = client_for(portal)
    url = f"/tin-bai/{DRAFT}/sua"
    path = portal["campaign"] / "briefs" / f"{DRAFT}.yaml"
    mine = form_of(client, url)
    theirs = form_of(client, url)
    theirs["title"] = ["Bản của người thứ nhất"]
    assert client.post(url, data={**theirs, "action": "luu"}, follow_redirects=False).status_code == 303
    first = path.read_bytes()
    mine["headline"] = ["Bản của người thứ hai"]
    response = client.post(url, data={**mine, "action": "luu"})
    assert response.status_code == 409
    assert "vừa được người khác sửa hoặc duyệt" in response.text and "chưa lưu gì" in response.text
    assert read_form(response.text).fields["headline"] == ["Bản của người thứ hai"]
    assert path.read_bytes() == first
    assert [e["action"] for e in audit_lines(portal)] == ["edit"]


def test_create_a_brief(portal):
    client = client_for(portal)
    fields = form_of(client, "/tin-bai/moi")
    fields.update({"id": ["dot1-tin-moi"], "phase": ["dot-1"], "title": ["Tin mới"], "headline": ["Chào mừng Đại hội"],
                   "channels": ["mang-xa-hoi"], "formats": ["infographic-1080x1080"],
                   "stats[0].label": ["Công trình chào mừng"], "stats[0].value": ["120"],
                   "stats[0].illustrative": ["1"]})
    response = client.post("/tin-bai/moi", data={**fields, "action": "luu"}, follow_redirects=False)
    assert response.status_code == 303, read_form(response.text).errors
    path = portal["campaign"] / "briefs" / "dot1-tin-moi.yaml"
    assert path.read_text(encoding="utf-8").startswith("# Tin bài tạo trên cổng thông tin")
    brief = load_campaign(portal["campaign"]).brief("dot1-tin-moi")
    assert brief.stats[0].value == 120 and brief.stats[0].illustrative and not brief.approved
    assert audit_lines(portal)[-1]["action"] == "create"
    again = client.post("/tin-bai/moi", data={**fields, "action": "luu"})
    assert again.status_code == 422
    assert "mã tin bài dot1-tin-moi đã có" in " ".join(read_form(again.text).errors["id"])


# --- uploads ------------------------------------------------------------------------------

def upload(portal, client, name: str, data: bytes, mime: str = "image/png", alt: str = "Ảnh thử"):
    url = f"/tin-bai/{DRAFT}/sua"
    fields = form_of(client, url)
    return client.post(url, data={**fields, "new_image_alt": alt, "action": "xem"},
                       files={"new_image": (name, data, mime)})


def images_dir(portal) -> list[str]:
    folder = portal["campaign"] / "images"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_upload_is_checked_by_content(portal):
    client = client_for(portal)
    fake = upload(portal, client, "anh.png", b"\x89PNG\r\n\x1a\n" + b"<html>not a picture</html>" * 10)
    assert fake.status_code == 422
    assert "không phải ảnh PNG, JPEG hoặc WebP đọc được" in " ".join(read_form(fake.text).errors["new_image"])
    truncated = upload(portal, client, "cat.png", png_bytes((300, 300))[:-200])
    assert truncated.status_code == 422
    gif = upload(portal, client, "anh.gif", png_bytes(fmt="GIF"), "image/gif")
    assert "chỉ nhận PNG, JPEG hoặc WebP" in " ".join(read_form(gif.text).errors["new_image"])
    wide = upload(portal, client, "rong.png", png_bytes((12_000, 2)))
    assert "quá lớn" in " ".join(read_form(wide.text).errors["new_image"])
    big = upload(portal, client, "to.png", b"x" * (MAX_UPLOAD_BYTES + 2_000_000))
    assert big.status_code == 413
    assert images_dir(portal) == []  # nothing refused was stored


def test_upload_is_stored_under_a_safe_name_and_drawn(portal):
    client = client_for(portal)
    response = upload(portal, client, "../../Ảnh Hội trường.PNG", png_bytes((640, 480)), alt="Hội trường")
    assert response.status_code == 200, read_form(response.text).errors
    (name,) = images_dir(portal)
    assert re.fullmatch(r"anh-hoi-truong-[0-9a-f]{10}\.png", name)
    fields = read_form(response.text).fields
    assert fields["images[0].path"] == [f"images/{name}"] and fields["images[0].alt"] == ["Hội trường"]
    webp = upload(portal, client, "bien.webp", png_bytes((100, 100), fmt="WEBP"), "image/webp")
    assert webp.status_code == 200
    stored = [n for n in images_dir(portal) if n.startswith("bien-")]
    assert stored and Image.open(portal["campaign"] / "images" / stored[0]).format == "PNG"  # decks take no WebP
    assert not (portal["campaign"] / "briefs" / "Ảnh Hội trường.PNG").exists()
