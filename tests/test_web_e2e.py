"""End to end in real headless Chromium against ``studio serve`` in a uvicorn subprocess.

Set ``STUDIO_WEB_SCREENSHOTS=DIR`` to also save the operator and designer views
(that is how docs/img/web-*.png are made).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright
from test_web_sample import make_sample_tree, manifest_entry

from studio.loader import load_campaign
from studio.web import Settings, tokens_for

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required"]
MP3 = "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(campaign_copy, tmp_path):
    out = make_sample_tree(tmp_path / "out")
    state = tmp_path / "state"
    store = tokens_for(campaign_copy, Settings(state_dir=state))
    tokens = {"operator": store.issue("phuoc-hoa", "operator", "xã Phước Hòa")[1],
              "designer": store.issue("ninh-thuan", "designer", "Trần Văn Duyệt, Sở VHTTDL")[1]}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "serve", str(campaign_copy), "--storage", str(out),
                             "--port", str(port), "--state", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(base + "/dang-nhap", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("studio serve did not start: " + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.1)
    yield {"base": base, "out": out, "campaign": campaign_copy, "tokens": tokens, "state": state}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def log_in(browser, base: str, token: str, **context):
    ctx = browser.new_context(accept_downloads=True, **context)
    page = ctx.new_page()
    page.goto(base + "/dang-nhap")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return ctx, page


def test_operator_listens_and_downloads(server, browser, tmp_path):
    ctx, page = log_in(browser, server["base"], server["tokens"]["operator"],
                       viewport={"width": 390, "height": 844}, device_scale_factor=1)
    assert page.url == server["base"] + "/don-vi/phuoc-hoa"
    assert "token" not in page.url and "stw_" not in page.url
    paths = page.eval_on_selector_all("li.bulletin", "els => els.map(e => e.dataset.path)")
    assert MP3 in paths and len(paths) == 2
    assert all("/phuoc-hoa/" in p or "/bac-ai-tay-2025/" in p for p in paths)
    assert "vinh-hai" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone: no sideways scrolling

    # Play: the audio element loads metadata and plays.
    audio = page.locator(f'li[data-path="{MP3}"] audio')
    audio.evaluate("a => a.play()")
    page.wait_for_function(
        f"() => {{ const a = document.querySelector('li[data-path=\"{MP3}\"] audio');"
        " return a.readyState >= 1 && a.duration > 0 && a.currentTime > 0; }", timeout=15000)
    duration = audio.evaluate("a => a.duration")
    assert 1.5 < duration < 2.5

    if os.environ.get("STUDIO_WEB_SCREENSHOTS"):
        audio.evaluate("a => { a.pause(); a.currentTime = 0; }")
        page.screenshot(path=str(Path(os.environ["STUDIO_WEB_SCREENSHOTS"]) / "web-operator.png"), full_page=False)

    # Download: the bytes are those the manifest names.
    with page.expect_download() as info:
        page.click(f'li[data-path="{MP3}"] a.button:not(.secondary)')
    saved = tmp_path / "dl.mp3"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "bulletin.mp3"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == manifest_entry(server["out"], MP3)["sha256"]

    # Another unit's page and file are refused.
    response = page.goto(server["base"] + "/don-vi/vinh-hai")
    assert response.status == 403
    assert "không được xem" in page.content()
    other = page.request.get(server["base"] + "/tep/dot-1/truyen-thanh-co-so/vinh-hai/bulletin.mp3")
    assert other.status == 403
    assert page.goto(server["base"] + "/thu-vien").status == 403

    # Logout through the button ends the session on the server: a copy of the cookie opens nothing.
    copied = next(c["value"] for c in ctx.cookies() if c["name"] == "studio_session")
    page.goto(server["base"] + "/don-vi/phuoc-hoa")
    page.click("nav form button")
    page.wait_for_load_state()
    assert page.url == server["base"] + "/dang-nhap"
    replay = httpx.get(server["base"] + "/tep/" + MP3, cookies={"studio_session": copied})
    assert replay.status_code == 401
    ctx.close()


def test_designer_approves_and_audit_shows_it(server, browser):
    ctx, page = log_in(browser, server["base"], server["tokens"]["designer"], viewport={"width": 1280, "height": 900})
    assert page.url == server["base"] + "/thu-vien"
    assert page.locator("figure.thumb img").count() >= 2  # infographic and PDF previews
    natural = page.locator("figure.thumb img").first.evaluate("i => i.complete && i.naturalWidth")
    assert natural > 0
    if os.environ.get("STUDIO_WEB_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["STUDIO_WEB_SCREENSHOTS"]) / "web-designer.png"), full_page=False)

    page.goto(server["base"] + "/tin-bai")
    card = page.locator('li[data-brief="dot3-ket-qua-dai-hoi"]')
    assert "Bản nháp" in card.inner_text()
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Đã duyệt tin bài dot3-ket-qua-dai-hoi" in page.content()
    assert "Trần Văn Duyệt" in page.locator('li[data-brief="dot3-ket-qua-dai-hoi"]').inner_text()

    page.goto(server["base"] + "/nhat-ky")
    row = page.locator('tr[data-brief="dot3-ket-qua-dai-hoi"]')
    assert row.count() == 1
    assert "Trần Văn Duyệt, Sở VHTTDL" in row.inner_text() and "Duyệt" in row.inner_text()
    brief = load_campaign(server["campaign"]).brief("dot3-ket-qua-dai-hoi")
    assert brief.approved and brief.approval.by == "Trần Văn Duyệt, Sở VHTTDL"
    ctx.close()
