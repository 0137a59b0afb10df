"""The portal's status page shows the campaign's latest batch as `studio batch status` does: progress
per phase and channel, the slowest jobs, failures by brief and format, jobs per worker; from Redis
(real, the jobs tests' own) and, once Redis has lost it, from the output folder's copy."""
# ruff: noqa: F811  (the jobs_env fixture imported below is a test parameter)

import re

import pytest
import redis
from fastapi.testclient import TestClient
from jobs_env import BACKEND, redis_db  # noqa: F401  (fixture)
from test_web_sample import make_sample_tree
from web_login import sign_in

from studio.web import Settings, create_app, tokens_for

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def job(phase: str, channel: str, fmt: str, unit: str, brief: str | None) -> dict:
    stem = f"{brief}--{fmt}" if brief else fmt
    return {"id": f"{phase}/{channel}/{unit}/{stem}", "phase": phase, "channel": channel, "format": fmt,
            "kind": "bulletin" if fmt == "bulletin" else "visual", "unit": unit, "brief": brief, "day": None,
            "slot": None}


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_status_page_shows_the_latest_batch_from_redis_then_from_the_folder(redis_db, campaign_copy, tmp_path):
    from jobs import batch

    out = make_sample_tree(tmp_path / "out")
    bulletins = [job("dot-1", "truyen-thanh-co-so", "bulletin", u, None) for u in ("phuoc-hoa", "vinh-hai", "ca-na")]
    panos = [job("dot-1", "pano", "pano-4000x2000", u, "dot1-thi-dua") for u in ("bac-ai", "ninh-hai")]
    batch_id = "20250101-060000-abc123"
    batch.create(batch_id, {"id": batch_id, "campaign": "ninh-thuan-2025", "out": str(out), "phases": ["dot-1"],
                            "reused": 0, "state": "queued", "submitted_at": "2025-01-01T06:00:00+0700"},
                 bulletins + panos, {"dot-1": [{"job": "dot-1/an-pham/ninh-thuan/poster-a3", "channel": "an-pham"}]})
    for j, worker in zip(bulletins[:2] + panos, ("w1@may-1", "w2@may-2", "w1@may-1", "w2@may-2")):
        batch.start_job(batch_id, j["id"], attempt=1, worker=worker)
        if j in panos:
            batch.set_job(batch_id, j["id"], batch.FAILED, out=str(out), error="RuntimeError: <b>hỏng</b>")
        else:
            batch.set_job(batch_id, j["id"], batch.DONE, out=str(out), artifacts=[])
    other = "20250101-070000-def456"  # a newer batch of another campaign in the same Redis is not shown
    batch.create(other, {"id": other, "campaign": "khac", "out": str(tmp_path / "other"), "phases": ["dot-1"],
                         "reused": 0, "state": "queued"}, [])

    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    _, token = tokens_for(campaign_copy, settings).issue("ninh-thuan", "designer", "Cán bộ thiết kế")
    client = TestClient(create_app(campaign_copy, str(out), settings))
    sign_in(client, token)

    for source in ("theo Redis", "theo bản sao hồ sơ trong thư mục đầu ra"):
        html = client.get("/trang-thai").text
        page = text_of(html)
        assert f"Lô gần nhất: {batch_id}" in page and source in page
        assert "dot-1 truyen-thanh-co-so 2 0 1 0" in page  # done, failed, pending, kept
        assert "dot-1 pano 0 2 0 0" in page and "dot-1 an-pham 0 0 0 1" in page
        assert "Việc chậm nhất" in page and "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin" in page
        assert "dot1-thi-dua pano-4000x2000 2 bac-ai, ninh-hai RuntimeError: &lt;b&gt;hỏng&lt;/b&gt;" in page
        assert "<b>hỏng</b>" not in html  # escaped
        assert "w1@may-1 2" in page and "w2@may-2 2" in page
        redis.Redis.from_url(BACKEND).flushdb()  # Redis loses every record: the page reads the folder's copy


def test_status_page_without_any_batch_says_nothing_about_batches(redis_db, campaign_copy, tmp_path):
    out = make_sample_tree(tmp_path / "out")
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    _, token = tokens_for(campaign_copy, settings).issue("ninh-thuan", "designer", "Cán bộ thiết kế")
    client = TestClient(create_app(campaign_copy, str(out), settings))
    sign_in(client, token)
    response = client.get("/trang-thai")
    assert response.status_code == 200 and "Lô gần nhất:" not in response.text
    assert 'data-phase="dot-1"' in response.text  # the per-phase part is still there
