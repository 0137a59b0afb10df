"""The build pipeline with a small renderer registered by the test itself."""

import json

import pytest

from studio import plugins, renderers
from studio.artifacts import Output, atomic_write_text
from studio.build import build


class CountingRenderer(renderers.Renderer):
    kind = "bulletin"
    version = "test"

    def __init__(self):
        self.calls = 0

    def render(self, job, ctx):
        self.calls += 1
        path = ctx.job_path(job, ".txt")
        atomic_write_text(path, f"{job.id}\n")
        return [Output(path, "text/plain")]


@pytest.fixture
def counting(monkeypatch):
    renderer = CountingRenderer()
    monkeypatch.setattr(renderers, "REGISTRY", {"bulletin": renderer})
    monkeypatch.setattr(plugins, "BUILTIN", ())
    return renderer


def test_build_writes_manifest_and_skips_unchanged(counting, example_campaign, tmp_path):
    report = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert report.ok and report.rendered == 62 and counting.calls == 62
    assert set(report.unsupported) >= {"deck-16x9", "pano-4000x2000"}
    manifest = json.loads((tmp_path / "ninh-thuan-2025" / "dot-1" / "manifest.json").read_text())
    assert len(manifest["artifacts"]) == 62
    art = manifest["artifacts"][0]
    assert set(art) >= {"path", "sha256", "bytes", "media_type", "channel", "unit", "brief", "format",
                        "renderer", "inputs_hash"}
    assert (tmp_path / "ninh-thuan-2025" / art["path"]).is_file()

    again = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert again.rendered == 0 and again.reused == 62 and counting.calls == 62
    assert len(json.loads((tmp_path / "ninh-thuan-2025" / "dot-1" / "manifest.json").read_text())["artifacts"]) == 62


def test_changed_brief_or_missing_file_is_rendered_again(counting, example_campaign, tmp_path):
    build(example_campaign, tmp_path, ["dot-1"], workers=1)
    victim = tmp_path / "ninh-thuan-2025" / "dot-1" / "truyen-thanh-co-so" / "phuoc-binh" / "bulletin.txt"
    victim.unlink()
    report = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert report.rendered == 1 and victim.exists()

    brief = example_campaign.brief("dot1-thi-dua")
    changed = example_campaign.model_copy(update={"briefs": [
        b if b.id != brief.id else brief.model_copy(update={"headline": "Tiêu đề mới"})
        for b in example_campaign.briefs]})
    report = build(changed, tmp_path, ["dot-1"], workers=1)
    assert report.rendered == 62  # every commune bulletin of the phase draws on that brief


def test_failures_are_reported_not_fatal_and_the_last_good_version_stays_listed(monkeypatch, example_campaign,
                                                                                 tmp_path):
    class Broken(CountingRenderer):
        version = "test-2"  # a new renderer version: every job is rendered again

        def render(self, job, ctx):
            if job.unit == "phuoc-binh":
                raise RuntimeError("hỏng")
            return super().render(job, ctx)

    failed = {"job": "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin", "phase": "dot-1",
              "channel": "truyen-thanh-co-so", "brief": None, "format": "bulletin", "unit": "phuoc-binh",
              "error": "RuntimeError: hỏng"}
    monkeypatch.setattr(plugins, "BUILTIN", ())
    monkeypatch.setattr(renderers, "REGISTRY", {"bulletin": Broken()})
    report = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert report.rendered == 61 and not report.ok
    assert report.failures == [{**failed, "serving": None}]  # a first build has nothing to serve instead
    status = json.loads((tmp_path / "ninh-thuan-2025" / "dot-1" / "status.json").read_text())
    assert status["failures"] == [{**failed, "serving": None}]

    manifest = tmp_path / "ninh-thuan-2025" / "dot-1" / "manifest.json"
    monkeypatch.setattr(renderers, "REGISTRY", {"bulletin": CountingRenderer()})
    assert build(example_campaign, tmp_path, ["dot-1"], workers=1).ok
    good = json.loads(manifest.read_text())["artifacts"]
    assert len(good) == 62

    monkeypatch.setattr(renderers, "REGISTRY", {"bulletin": Broken()})
    report = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert report.rendered == 61 and len(report.failures) == 1
    after = {a["path"]: a for a in json.loads(manifest.read_text())["artifacts"]}
    assert len(after) == 62  # the failed job's last good version is still listed, with its hash
    served = next(a for a in good if a["unit"] == "phuoc-binh")
    assert after[served["path"]] == served
    status = json.loads((tmp_path / "ninh-thuan-2025" / "dot-1" / "status.json").read_text())
    assert status["failures"][0]["serving"]["inputs_hash"] == served["inputs_hash"]
    assert status["failures"][0]["serving"]["made_at"] <= status["finished_at"]

    (tmp_path / "ninh-thuan-2025" / served["path"]).write_text("sửa tay\n")  # no longer the version listed
    build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert served["path"] not in {a["path"] for a in json.loads(manifest.read_text())["artifacts"]}


def test_outputs_are_readable_files_not_private_temp_modes(counting, example_campaign, tmp_path):
    import os
    import stat

    from studio.artifacts import SECRET_MODE, atomic_write_bytes

    build(example_campaign, tmp_path, ["dot-1"], workers=1)
    mask = os.umask(0)
    os.umask(mask)
    for path in (tmp_path / "ninh-thuan-2025" / "dot-1").rglob("*.*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path
    secret = atomic_write_bytes(tmp_path / "k.key", b"x", SECRET_MODE)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_selected_build_renders_its_jobs_and_keeps_the_rest_of_the_manifest(counting, example_campaign, tmp_path):
    from studio.plan import Selection

    manifest = tmp_path / "ninh-thuan-2025" / "dot-1" / "manifest.json"
    build(example_campaign, tmp_path, ["dot-1"], workers=1)
    before = json.loads(manifest.read_text())["artifacts"]
    assert len(before) == 62

    one = Selection(units={"phuoc-binh"})
    again = build(example_campaign, tmp_path, ["dot-1"], workers=1, select=one)
    assert (again.planned, again.rendered, again.reused) == (1, 0, 1) and counting.calls == 62
    assert json.loads(manifest.read_text())["artifacts"] == before  # nothing outside the selection dropped

    brief = example_campaign.brief("dot1-thi-dua")
    changed = example_campaign.model_copy(update={"briefs": [
        b if b.id != brief.id else brief.model_copy(update={"headline": "Tiêu đề mới"})
        for b in example_campaign.briefs]})
    report = build(changed, tmp_path, ["dot-1"], workers=1, select=one)
    assert report.rendered == 1 and counting.calls == 63  # only the selected bulletin, though all 62 are stale
    after = {a["job"]: a for a in json.loads(manifest.read_text())["artifacts"]}
    assert set(after) == {a["job"] for a in before}
    assert [j for j in after if after[j] != next(a for a in before if a["job"] == j)] == \
        ["dot-1/truyen-thanh-co-so/phuoc-binh/bulletin"]

    gone = tmp_path / "ninh-thuan-2025" / "dot-1" / "truyen-thanh-co-so" / "phuoc-hoa" / "bulletin.txt"
    gone.unlink()  # an artifact outside the selection whose file is missing is not listed as if it were there
    build(changed, tmp_path, ["dot-1"], workers=1, select=one)
    assert "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin" not in \
        {a["job"] for a in json.loads(manifest.read_text())["artifacts"]}
    assert not gone.exists() and counting.calls == 63


def test_one_writer_per_output_folder(counting, example_campaign, tmp_path):
    import os

    from studio import locks

    with locks.exclusive(tmp_path / "ninh-thuan-2025", "studio build kiểm-thử"):
        with pytest.raises(locks.Busy, match=f"tiến trình {os.getpid()} trên máy .*lệnh: studio build kiểm-thử"):
            build(example_campaign, tmp_path, ["dot-1"], workers=1)
        assert counting.calls == 0
    assert build(example_campaign, tmp_path, ["dot-1"], workers=1).ok  # released with its holder
    assert (tmp_path / "ninh-thuan-2025" / ".studio.lock").read_text() == ""  # nobody named once it is free


def test_a_job_whose_inputs_cannot_be_read_is_a_reported_failure(counting, example_campaign, tmp_path, monkeypatch):
    """An unknown template (or any error describing a job) fails that job, with its brief and unit,
    and the rest of the build goes on: never a traceback from planning."""
    real = CountingRenderer.inputs

    def inputs(self, job, ctx):
        if job.unit == "phuoc-binh":
            raise ValueError("không có mẫu 'khong-co'")
        return real(self, job, ctx)

    monkeypatch.setattr(CountingRenderer, "inputs", inputs)
    report = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert report.rendered == 61 and counting.calls == 61
    assert [(f["unit"], f["error"]) for f in report.failures] == [
        ("phuoc-binh", "ValueError: không có mẫu 'khong-co'")]
