"""The brief editor end to end in real headless Chromium against ``studio serve`` (a uvicorn subprocess):
a designer creates a brief, uploads a picture, sees the 1080×1080 preview change with the headline,
approves it, and the file validates; a second designer's stale save is refused.

``STUDIO_WEB_SCREENSHOTS=DIR`` also saves the editor page (docs/img/web-editor.png is made so).
Save → preview times are printed (``-s`` shows them): a measurement, not an assertion.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import httpx
from test_web_e2e import browser, log_in, server  # noqa: F401  (pytest fixtures: the portal and Chromium)

from studio.check import dry_run
from studio.loader import load_campaign

BRIEF = "dot1-tin-tu-trinh-duyet"


def preview_of(page, fmt: str = "infographic-1080x1080") -> tuple[str, bytes]:
    """The preview image of ``fmt`` on the page: its address and the bytes the browser fetched."""
    img = page.locator(f'figure.shot[data-format="{fmt}"] img')
    img.wait_for()
    assert img.evaluate("i => i.complete && i.naturalWidth") == 1080
    src = img.evaluate("i => i.src")
    return src, page.request.get(src).body()


def save(page, label: str = "Lưu tin bài") -> float:
    """Press a button of the form; the seconds until the page (and its 1080×1080 preview) has loaded."""
    started = time.perf_counter()
    with page.expect_navigation(wait_until="load", timeout=60_000):
        page.click(f"form.editor-form .actions button:has-text('{label}')")
    return time.perf_counter() - started


def test_designer_creates_previews_and_approves_a_brief(server, browser, tmp_path):  # noqa: F811
    base, campaign = server["base"], server["campaign"]
    ctx, page = log_in(browser, base, server["tokens"]["designer"], viewport={"width": 1280, "height": 900})
    page.click("nav a:has-text('Soạn tin bài')")
    page.wait_for_load_state()
    assert page.url == base + "/tin-bai/moi"

    page.fill("#f-id", BRIEF)
    page.select_option("#f-phase", "dot-1")
    page.fill("#f-title", "Thi đua chào mừng Đại hội")
    page.fill("#f-headline", "Cả tỉnh thi đua chào mừng Đại hội")
    page.fill("#f-key_messages", "Mỗi cơ quan một công trình chào mừng.\nMỗi người dân một việc làm tốt.")
    page.check('input[name=channels][value="mang-xa-hoi"]')
    page.check('input[name=formats][value="infographic-1080x1080"]')
    page.select_option("#f-template", "key-number")
    page.fill('input[name="stats[0].label"]', "Công trình chào mừng")
    page.fill('input[name="stats[0].value"]', "12,5")  # a decimal comma: refused beside its cell
    page.fill('input[name="stats[0].unit"]', "công trình")
    page.check('input[name="stats[0].illustrative"]')
    picture = tmp_path / "hoi truong.png"
    from PIL import Image

    Image.new("RGB", (800, 600), (20, 90, 160)).save(picture)
    page.set_input_files("#f-new_image", str(picture))
    page.fill('input[name="new_image_alt"]', "Hội trường tỉnh")
    save(page)
    error = page.locator('p.field-error[data-field="stats[0].value"]')
    assert "cần một số" in error.inner_text()
    assert not (campaign / "briefs" / f"{BRIEF}.yaml").exists()
    stored = page.locator('input[name="images[0].path"]').input_value()  # the upload was kept for the form
    assert stored.startswith("images/hoi-truong-") and (campaign / stored).is_file()

    page.fill('input[name="stats[0].value"]', "120")
    seconds_first = save(page)
    assert page.url == base + f"/tin-bai/{BRIEF}/sua?ok=1"
    assert "Đã lưu tin bài" in page.content()
    before_src, before = preview_of(page)

    if os.environ.get("STUDIO_WEB_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["STUDIO_WEB_SCREENSHOTS"]) / "web-editor.png"), full_page=False)

    page.fill("#f-headline", "Cả tỉnh thi đua lập thành tích chào mừng Đại hội")
    seconds_preview = save(page, "Xem thử")  # preview without saving
    typed_src, typed = preview_of(page)
    assert typed_src != before_src and hashlib.sha256(typed).digest() != hashlib.sha256(before).digest()
    seconds_save = save(page)
    after_src, after = preview_of(page)
    assert after_src == typed_src and after == typed  # the saved file draws what the preview showed
    print(f"\nsave → page with preview: first save {seconds_first:.2f} s, preview {seconds_preview:.2f} s, "
          f"save {seconds_save:.2f} s")

    page.click("form.approve button")
    page.wait_for_load_state()
    assert f"Đã duyệt tin bài {BRIEF}" in page.content()
    c = load_campaign(campaign)
    brief = c.brief(BRIEF)
    assert brief.approved and brief.approval.by == "Trần Văn Duyệt, Sở VHTTDL"
    assert brief.headline == "Cả tỉnh thi đua lập thành tích chào mừng Đại hội"
    assert brief.images[0].path == stored and brief.stats[0].value == 120
    assert [p for p in dry_run(c) if p.file == f"briefs/{BRIEF}.yaml"] == []
    ctx.close()


def test_second_designer_is_refused(server, browser):  # noqa: F811
    base = server["base"]
    url = base + "/tin-bai/dot3-ket-qua-dai-hoi/sua"
    path = server["campaign"] / "briefs" / "dot3-ket-qua-dai-hoi.yaml"
    one_ctx, one = log_in(browser, base, server["tokens"]["designer"], viewport={"width": 1280, "height": 900})
    two_ctx, two = log_in(browser, base, server["tokens"]["designer"], viewport={"width": 1280, "height": 900})
    one.goto(url)
    two.goto(url)
    one.fill("#f-title", "Bản của người thứ nhất")
    save(one)
    assert "Đã lưu tin bài" in one.content()
    first = path.read_bytes()
    two.fill("#f-headline", "Bản của người thứ hai")
    save(two)
    assert "vừa được người khác sửa hoặc duyệt" in two.locator("#thong-bao").inner_text()
    assert two.input_value("#f-headline") == "Bản của người thứ hai"  # nothing typed is lost
    assert path.read_bytes() == first
    assert httpx.get(url, follow_redirects=False).status_code == 303  # and nobody edits without a login
    one_ctx.close()
    two_ctx.close()
