"""Web portal: access rules, path validation, sessions, CSRF, approval, verification."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
import time

import pytest
import yaml
from fastapi.testclient import TestClient
from s3fixtures import admin_env, bucket  # noqa: F401  (pytest fixtures: the real SeaweedFS)
from test_web_sample import make_sample_tree, manifest_entry
from typer.testing import CliRunner
from web_login import form_csrf, sign_in

from studio.artifacts import sha256_file
from studio.cli import app as cli
from studio.loader import load_campaign
from studio.publish.access import phase_audiences as audiences
from studio.web import Settings, create_app, tokens_for
from studio.web.approve import set_approval
from studio.web.auth import LIMITED_PREFIX, LOGIN_LIMIT, LOGIN_WINDOW_S, LoginLimiter, TokenStore

MP3 = "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"
OTHER_MP3 = "dot-1/truyen-thanh-co-so/vinh-hai/bulletin.mp3"


@pytest.fixture
def portal(campaign_copy, sample_out, tmp_path):
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    application = create_app(campaign_copy, str(sample_out), settings)
    store = tokens_for(campaign_copy, settings)
    _, operator = store.issue("phuoc-hoa", "operator", "xã Phước Hòa")
    _, other = store.issue("vinh-hai", "operator", "xã Vĩnh Hải")
    _, designer = store.issue("ninh-thuan", "designer", "Nguyễn Thị Thiết Kế, Sở VHTTDL")
    return {"app": application, "settings": settings, "campaign": campaign_copy, "out": sample_out,
            "tokens": {"operator": operator, "other": other, "designer": designer}}


def login(portal, who: str) -> TestClient:
    client = TestClient(portal["app"])
    response = sign_in(client, portal["tokens"][who])
    assert response.status_code == 200, response.text
    return client


def test_operator_sees_only_own_unit_and_district(portal):
    client = login(portal, "operator")
    page = client.get("/").text
    assert "xã Phước Hòa" in page
    assert MP3 in page and "bulletin.script.txt" in page
    assert "dot-1/pano/bac-ai/" in page  # its district's pa nô
    assert "dot-2-2/truyen-thanh-co-so/bac-ai-tay-2025/" in page  # its 2025 successor's bulletins
    assert "/nguon/phuoc-hoa/podcast.xml" in page
    feed = client.get("/nguon/phuoc-hoa/podcast.xml")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/rss+xml")
    assert "<rss" in feed.text
    for foreign in ("vinh-hai", "ninh-hai", "mang-xa-hoi/ninh-thuan"):
        assert foreign not in page
    assert "Ưu tiên" in page and "Mã băm khớp" in page


def test_other_unit_urls_are_refused(portal):
    client = login(portal, "operator")
    assert client.get("/don-vi/vinh-hai").status_code == 403
    assert client.get("/don-vi/ninh-hai").status_code == 403
    assert client.get("/don-vi/khong-co").status_code == 404
    assert client.get("/tep/" + OTHER_MP3).status_code == 403
    assert client.get("/nguon/vinh-hai/podcast.xml").status_code == 403
    assert client.get("/tep/dot-1/mang-xa-hoi/ninh-thuan/dot1-thi-dua--infographic-1080x1080.png").status_code == 403
    for page in ("/thu-vien", "/tin-bai", "/nhat-ky", "/trang-thai"):
        assert client.get(page).status_code == 403


@pytest.mark.parametrize("path", [
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/..%2F..%2Fmanifest.json",
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/%2e%2e",
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/../../../../etc/passwd",
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/Bulletin.MP3",
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/.hidden",
    "/tep/..%2Fdot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3",
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3%00.txt",
    "/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/not-in-manifest.mp3",
    "/tep/dot-9/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3",
])
def test_path_parameters_are_validated(portal, path):
    client = login(portal, "operator")
    response = client.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_download_matches_manifest(portal):
    client = login(portal, "operator")
    response = client.get("/tep/" + MP3, params={"tai": 1})
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["content-disposition"] == 'attachment; filename="bulletin.mp3"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'none'" in client.get("/").headers["content-security-policy"]
    assert hashlib.sha256(response.content).hexdigest() == manifest_entry(portal["out"], MP3)["sha256"]
    ranged = client.get("/tep/" + MP3, headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100  # audio seeking
    script = client.get("/tep/dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.script.txt")
    assert script.status_code == 200 and "Kịch bản" in script.text


def test_anonymous_is_sent_to_login(portal):
    client = TestClient(portal["app"])
    response = client.get("/don-vi/phuoc-hoa", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dang-nhap"
    assert client.get("/tep/" + MP3).status_code == 401
    assert client.get("/nguon/phuoc-hoa/podcast.xml").status_code == 401
    wrong = sign_in(client, "stw_sai")
    assert wrong.status_code == 401 and "không đúng" in wrong.text
    # The token only travels in a POST body; a token in the query string logs nobody in.
    assert client.get("/dang-nhap", params={"token": portal["tokens"]["operator"]}).status_code == 200
    assert client.get("/tep/" + MP3).status_code == 401


def test_tokens_are_stored_hashed(portal):
    path = portal["settings"].resolve(portal["campaign"]).tokens_file
    text = path.read_text(encoding="utf-8")
    for token in portal["tokens"].values():
        assert token not in text
        assert hashlib.sha256(token.encode()).hexdigest() in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_session_cookie_flags_and_tampering(portal):
    client = TestClient(portal["app"])
    response = sign_in(client, portal["tokens"]["operator"], follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    value = client.cookies["studio_session"]
    client.cookies.set("studio_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/don-vi/phuoc-hoa", follow_redirects=False).status_code == 303


def test_session_expires_and_revocation_ends_it(campaign_copy, sample_out, tmp_path, monkeypatch):
    from itsdangerous import TimestampSigner

    settings = Settings(state_dir=tmp_path / "state")  # 8 hour sessions
    application = create_app(campaign_copy, str(sample_out), settings)
    store = tokens_for(campaign_copy, settings)
    record, token = store.issue("phuoc-hoa", "operator", "xã Phước Hòa")
    client = TestClient(application)
    csrf = form_csrf(client)
    with monkeypatch.context() as m:  # a session cookie issued 8 h 1 min ago
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 8 * 3600 - 60)
        client.post("/dang-nhap", data={"token": token, "csrf": csrf})
    assert client.get("/tep/" + MP3).status_code == 401
    sign_in(client, token)
    assert client.get("/tep/" + MP3).status_code == 200
    store.revoke(record.id)
    assert client.get("/tep/" + MP3).status_code == 401


def test_approve_needs_csrf_and_is_audited(portal):
    client = login(portal, "designer")
    brief = portal["campaign"] / "briefs" / "dot3-ket-qua-dai-hoi.yaml"
    before = brief.read_text(encoding="utf-8")
    assert client.post("/tin-bai/dot3-ket-qua-dai-hoi/duyet", data={}).status_code == 403
    assert client.post("/tin-bai/dot3-ket-qua-dai-hoi/duyet", data={"csrf": "gia-mao"}).status_code == 403
    assert client.post("/tin-bai/dot3-ket-qua-dai-hoi/duyet", data={"csrf": "giả mạo"}).status_code == 403
    operator = login(portal, "operator")
    assert operator.post("/tin-bai/dot3-ket-qua-dai-hoi/duyet", data={"csrf": "x"}).status_code == 403
    assert brief.read_text(encoding="utf-8") == before

    page = client.get("/tin-bai").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = client.post("/tin-bai/dot3-ket-qua-dai-hoi/duyet", data={"csrf": csrf})
    assert response.status_code == 200 and "Đã duyệt tin bài dot3-ket-qua-dai-hoi" in response.text
    after = brief.read_text(encoding="utf-8")
    assert [line for line in before.splitlines() if not line.startswith("approval:")] == \
           [line for line in after.splitlines() if not line.startswith("approval:")]
    approved = load_campaign(portal["campaign"]).brief("dot3-ket-qua-dai-hoi")
    assert approved.approved and approved.approval.by == "Nguyễn Thị Thiết Kế, Sở VHTTDL"
    assert approved.approval.at.utcoffset().total_seconds() == 7 * 3600
    audit = client.get("/nhat-ky").text
    assert "dot3-ket-qua-dai-hoi" in audit and "Nguyễn Thị Thiết Kế" in audit
    log = portal["settings"].resolve(portal["campaign"]).audit_file.read_text(encoding="utf-8").splitlines()
    entry = json.loads(log[-1])
    assert entry["brief"] == "dot3-ket-qua-dai-hoi" and entry["previous"] == "draft" and entry["action"] == "approve"
    assert client.post("/tin-bai/khong-co/duyet", data={"csrf": csrf}).status_code == 404


def test_set_approval_keeps_comments_and_escapes():
    text = "# đầu tệp\nid: x  # mã\napproval:\n  status: draft   # draft | approved\n# ghi chú sau\ntitle: t\n"
    from datetime import datetime, timezone
    out = set_approval(text, 'Ông "A": #1', datetime(2025, 9, 1, 8, 0, tzinfo=timezone.utc))
    assert out.startswith("# đầu tệp\nid: x  # mã\napproval: {")
    assert "# ghi chú sau\ntitle: t\n" in out
    data = yaml.safe_load(out)
    assert data["approval"]["by"] == 'Ông "A": #1' and data["approval"]["status"] == "approved"


def test_designer_gallery_status_and_escaping(portal):
    client = login(portal, "designer")
    gallery = client.get("/thu-vien").text
    assert "dot1-thi-dua--infographic-1080x1080.png" in gallery and "<img" in gallery
    assert "dot1-thi-dua--pano-4000x2000.preview.png" in gallery  # PDF page preview
    assert "<audio" in gallery and "Đã duyệt" in gallery
    assert client.get("/thu-vien", params={"giai_doan": "dot-2-2"}).status_code == 200
    assert client.get("/thu-vien", params={"giai_doan": "../x"}).status_code == 404
    only = client.get("/thu-vien", params={"giai_doan": "dot-1", "kenh": "pano", "don_vi": "ninh-hai"}).text
    assert "dot-1/pano/ninh-hai/" in only and "dot-1/pano/bac-ai/" not in only
    status = client.get("/trang-thai").text
    assert "RuntimeError: &lt;b&gt;thử&lt;/b&gt;" in status and "<b>thử</b>" not in status
    assert client.get("/tep/" + OTHER_MP3).status_code == 200  # the province sees every unit


def test_tampered_file_is_flagged(campaign_copy, tmp_path):
    out = make_sample_tree(tmp_path / "out")
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    application = create_app(campaign_copy, str(out), settings)
    _, token = tokens_for(campaign_copy, settings).issue("phuoc-hoa", "operator", "xã Phước Hòa")
    client = TestClient(application)
    sign_in(client, token)
    target = out / "ninh-thuan-2025" / MP3
    data = bytearray(target.read_bytes())
    data[-10] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 1000))
    page = client.get("/don-vi/phuoc-hoa").text
    assert 'data-state="mismatch"' in page and "KHÔNG khớp" in page
    refused = client.get("/tep/" + MP3, params={"tai": 1})  # shown as altered, and not served either
    assert refused.status_code == 409 and "không được phát" in refused.text and bytes(data) not in refused.content


def test_manifest_signature_checked(campaign_copy, tmp_path):
    from studio.publish import signing

    out = make_sample_tree(tmp_path / "out")
    private, public = signing.init_keys(tmp_path / "keys")
    manifest = out / "ninh-thuan-2025" / "dot-1" / "manifest.json"
    manifest.write_bytes(signing.dumps(signing.sign(json.loads(manifest.read_bytes()), signing.load_private(private))))
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0, public_key=public)
    application = create_app(campaign_copy, str(out), settings)
    _, token = tokens_for(campaign_copy, settings).issue("phuoc-hoa", "operator", "x")
    client = TestClient(application)
    sign_in(client, token)
    page = client.get("/don-vi/phuoc-hoa").text
    assert 'data-signature="valid"' in page and 'data-signature="unsigned"' in page  # dot-1 signed, dot-2-2 not
    manifest.write_bytes(manifest.read_bytes().replace(b'"priority": "normal"', b'"priority": "emergency"', 1))
    assert 'data-signature="invalid"' in client.get("/don-vi/phuoc-hoa").text
    assert 'data-signature="valid"' not in client.get("/don-vi/phuoc-hoa").text


def test_operator_audience_per_phase(example_campaign):
    hoa, hai = audiences(example_campaign, "phuoc-hoa"), audiences(example_campaign, "vinh-hai")
    assert hoa["dot-1"] == {"phuoc-hoa", "bac-ai"}  # its district's pa nô, before the 2025 reorganisation
    assert hoa["dot-2-2"] == {"bac-ai-tay-2025"}  # after it, the commune that replaced it
    assert not any(hoa[p] & hai[p] for p in hoa)
    assert {"bac-ai", "phuoc-hoa", "phuoc-binh"} <= audiences(example_campaign, "bac-ai")["dot-1"]
    assert audiences(example_campaign, "khong-co") == {p.id: frozenset() for p in example_campaign.all_phases()}


def test_cli_issues_tokens(campaign_copy, tmp_path):
    runner = CliRunner()
    state = tmp_path / "state"
    result = runner.invoke(cli, ["web", "token", str(campaign_copy), "--unit", "phuoc-hoa", "--state", str(state)])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("stw_")
    record = TokenStore(state / "tokens.json").check(token)
    assert record and record.unit == "phuoc-hoa" and record.role == "operator"
    bad = runner.invoke(cli, ["web", "token", str(campaign_copy), "--unit", "khong-co", "--state", str(state)])
    assert bad.exit_code == 2 and "Không có đơn vị" in bad.output
    nameless = runner.invoke(cli, ["web", "token", str(campaign_copy), "--designer", "--state", str(state)])
    assert nameless.exit_code == 2 and "--name" in nameless.output
    listed = runner.invoke(cli, ["web", "tokens", str(campaign_copy), "--state", str(state)])
    assert record.id in listed.output and token not in listed.output


def test_reads_s3_storage(campaign_copy, tmp_path, bucket):  # noqa: F811  (the fixture)
    """The same portal over the real S3 server (SeaweedFS) that publish writes to."""
    from studio.storage import open_storage

    out = make_sample_tree(tmp_path / "out")
    s3 = open_storage(f"s3://{bucket}/portal")
    for path in sorted((out / "ninh-thuan-2025").rglob("*")):
        if path.is_file():
            s3.put_file(str(path.relative_to(out)), path, "application/octet-stream", sha256_file(path))
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    application = create_app(campaign_copy, f"s3://{bucket}/portal", settings)
    _, token = tokens_for(campaign_copy, settings).issue("phuoc-hoa", "operator", "xã Phước Hòa")
    client = TestClient(application)
    sign_in(client, token)
    page = client.get("/don-vi/phuoc-hoa").text
    assert MP3 in page and 'data-state="ok"' in page and "vinh-hai" not in page
    assert "/nguon/phuoc-hoa/podcast.xml" in page and "bulletin.script.txt" in page
    body = client.get("/tep/" + MP3, params={"tai": 1})
    assert body.status_code == 200 and body.headers["content-type"] == "audio/mpeg"
    assert hashlib.sha256(body.content).hexdigest() == manifest_entry(out, MP3)["sha256"]
    assert client.get("/tep/" + OTHER_MP3).status_code == 403


def test_logout_needs_csrf_and_ends_session(portal):
    client = login(portal, "operator")
    assert client.post("/dang-xuat", data={"csrf": "sai"}).status_code == 403
    page = client.get("/don-vi/phuoc-hoa").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = client.post("/dang-xuat", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and 'studio_session=""' in response.headers["set-cookie"]
    client.cookies.clear()
    assert client.get("/tep/" + MP3).status_code == 401


def test_serves_what_publish_wrote(campaign_copy, tmp_path):
    """Publish the sample phase with ``studio.publish`` (signed manifest, podcast feed), then serve it."""
    from studio.publish.publish import publish_phase
    from studio.publish.signing import init_keys, load_private

    out = make_sample_tree(tmp_path / "out")
    private, public = init_keys(tmp_path / "keys")
    campaign = load_campaign(campaign_copy)
    publish_phase(campaign, "dot-1", out, str(tmp_path / "pub"), load_private(private), local_feeds=True)
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0, public_key=public)
    application = create_app(campaign, str(tmp_path / "pub"), settings)
    _, token = tokens_for(campaign_copy, settings).issue("phuoc-hoa", "operator", "xã Phước Hòa")
    client = TestClient(application)
    sign_in(client, token)
    page = client.get("/don-vi/phuoc-hoa").text
    assert MP3 in page and 'data-signature="valid"' in page and 'data-state="ok"' in page
    assert "/nguon/phuoc-hoa/podcast.xml" in page
    assert "bulletin.mp3" in client.get("/nguon/phuoc-hoa/podcast.xml").text
    assert "Thi đua lập thành tích" in page  # titles publish adds to phase bulletins


def test_manifest_entries_outside_the_phase_are_ignored(campaign_copy, tmp_path):
    out = make_sample_tree(tmp_path / "out")
    manifest = out / "ninh-thuan-2025" / "dot-1" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["artifacts"].append({**data["artifacts"][0], "path": "dot-1/../../phuoc-hoa/secret.mp3"})
    manifest.write_text(json.dumps(data), encoding="utf-8")
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    application = create_app(campaign_copy, str(out), settings)
    _, token = tokens_for(campaign_copy, settings).issue("ninh-thuan", "designer", "d")
    client = TestClient(application)
    sign_in(client, token)
    assert "secret.mp3" not in client.get("/thu-vien").text


def test_failed_logins_are_limited_per_address(portal):
    """2,000 wrong tokens from one address: 10 are checked, the rest get 429 with when to retry."""
    with TestClient(portal["app"]) as client:  # one event loop for all the requests: ~2x faster
        csrf = form_csrf(client)
        started = time.perf_counter()
        statuses = [client.post("/dang-nhap", data={"token": "stw_" + secrets.token_urlsafe(32), "csrf": csrf})
                    .status_code for _ in range(2000)]
        elapsed = time.perf_counter() - started
    assert statuses[:LOGIN_LIMIT] == [401] * LOGIN_LIMIT
    assert statuses[LOGIN_LIMIT:] == [429] * (2000 - LOGIN_LIMIT), elapsed
    refused = client.post("/dang-nhap", data={"token": portal["tokens"]["operator"], "csrf": csrf})
    assert refused.status_code == 429  # the address is refused before any token is checked
    assert 1 <= int(refused.headers["retry-after"]) <= LOGIN_WINDOW_S + 1
    assert re.search(r"thử lại sau \d+ giây \(lúc \d\d:\d\d:\d\d\)", refused.text)
    assert "studio_session" not in client.cookies
    elsewhere = TestClient(portal["app"], client=("203.0.113.7", 40000))
    assert sign_in(elsewhere, portal["tokens"]["operator"], follow_redirects=False).status_code == 303
    assert elsewhere.get("/tep/" + MP3).status_code == 200


def test_failed_logins_are_limited_per_token_prefix(portal):
    """Guesses at one token's completion from many addresses: after 10, that prefix waits; others don't."""
    operator = portal["tokens"]["operator"]
    guesses = [TestClient(portal["app"], client=(f"198.51.100.{n}", 40000)) for n in range(LOGIN_LIMIT + 1)]
    statuses = [sign_in(c, operator[:LIMITED_PREFIX] + secrets.token_urlsafe(30)).status_code for c in guesses]
    assert statuses == [401] * LOGIN_LIMIT + [429]
    fresh = TestClient(portal["app"], client=("192.0.2.1", 40000))
    assert sign_in(fresh, operator).status_code == 429  # that token waits out the minute too
    assert sign_in(fresh, portal["tokens"]["designer"], follow_redirects=False).status_code == 303


def test_login_limit_window_slides():
    now = [1000.0]
    limiter = LoginLimiter(clock=lambda: now[0])
    keys = limiter.keys("10.0.0.1", "stw_abcdefgh-rest")
    for _ in range(LOGIN_LIMIT - 1):
        limiter.failed(keys)
        now[0] += 1
    assert limiter.retry_after(keys) == 0
    limiter.failed(keys)
    assert limiter.retry_after(keys) == pytest.approx(LOGIN_WINDOW_S - (LOGIN_LIMIT - 1))
    assert limiter.retry_after(limiter.keys("10.0.0.2", "stw_abcdefgh-other")) > 0  # same prefix
    assert limiter.retry_after(limiter.keys("10.0.0.2", "stw_zzzzzzzz")) == 0
    now[0] += LOGIN_WINDOW_S - (LOGIN_LIMIT - 1)
    assert limiter.retry_after(keys) == 0


def test_login_form_needs_its_csrf(portal, monkeypatch):
    from itsdangerous import TimestampSigner

    token = portal["tokens"]["operator"]
    client = TestClient(portal["app"])
    form = client.get("/dang-nhap")
    cookie = form.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dang-nhap" in cookie
    csrf = form_csrf(client)
    assert client.post("/dang-nhap", data={"token": token}).status_code == 403  # no field
    assert client.post("/dang-nhap", data={"token": token, "csrf": csrf + "x"}).status_code == 403
    other = TestClient(portal["app"])  # the field without its cookie (a forged cross-site form)
    refused = other.post("/dang-nhap", data={"token": token, "csrf": csrf})
    assert refused.status_code == 403 and "Biểu mẫu đăng nhập đã hết hạn" in refused.text
    assert "studio_session" not in other.cookies and "studio_session" not in client.cookies
    late = TestClient(portal["app"])
    with monkeypatch.context() as m:  # a form opened 61 minutes ago
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 61 * 60)
        stale = form_csrf(late)
    assert late.post("/dang-nhap", data={"token": token, "csrf": stale}).status_code == 403
    assert sign_in(late, token, follow_redirects=False).status_code == 303  # the refusal page's fresh form
    assert client.post("/dang-nhap", data={"token": token, "csrf": csrf}, follow_redirects=False).status_code == 303


def test_logout_ends_copies_of_the_cookie(portal):
    client, elsewhere = login(portal, "operator"), login(portal, "operator")
    copied = client.cookies["studio_session"]
    csrf = client.get("/don-vi/phuoc-hoa").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/dang-xuat", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    thief = TestClient(portal["app"], cookies={"studio_session": copied})
    assert thief.get("/tep/" + MP3).status_code == 401
    assert thief.get("/don-vi/phuoc-hoa", follow_redirects=False).status_code == 303
    restarted = create_app(portal["campaign"], str(portal["out"]), portal["settings"])  # ended is kept on disk
    assert TestClient(restarted, cookies={"studio_session": copied}).get("/tep/" + MP3).status_code == 401
    assert elsewhere.get("/tep/" + MP3).status_code == 200  # the same token's other session goes on


def test_a_broken_campaign_edit_is_loaded_off_the_request_path(portal):
    """An alias bomb dropped into the served campaign: requests never wait on it, the last good
    campaign keeps serving, and designers see what is wrong."""
    from test_broken_inputs import BOMB

    from studio.web.app import CampaignState

    designer, operator = login(portal, "designer"), login(portal, "operator")
    (portal["campaign"] / "briefs" / "bom.yaml").write_text(BOMB, encoding="utf-8")
    CampaignState.RECHECK_SECONDS = 0.0
    try:
        started = time.perf_counter()
        assert operator.get("/").status_code == 200
        assert time.perf_counter() - started < 1.0
        deadline = time.monotonic() + 10
        while "neo và bí danh" not in (page := designer.get("/thu-vien").text) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "đang dùng bản hợp lệ trước đó: briefs/bom.yaml:1: không dùng neo và bí danh YAML" in page
        assert operator.get("/tep/" + MP3).status_code == 200  # still serving
    finally:
        CampaignState.RECHECK_SECONDS = 2.0
