"""The pieces the in-process build and the Celery path share: journal, manifest writing."""
# ruff: noqa: F811  (the jobs_env fixtures imported below are test parameters)

import json

import pytest
from jobs_env import fakes  # noqa: F401  (fixture)

from studio.build import BuildContext, build, finish_phases, plan_work


def test_crash_before_the_manifest_redoes_only_what_is_missing(fakes, example_campaign, tmp_path):
    build(example_campaign, tmp_path, ["dot-1"], workers=1)
    root = tmp_path / "ninh-thuan-2025" / "dot-1"
    # a crash: the manifest was never written, and one job's file never made it
    (root / "manifest.json").unlink()
    lost = root / "truyen-thanh-co-so" / "phuoc-binh" / "bulletin.txt"
    lost.unlink()
    (lost.parent / ".bulletin.txt.abc123.part.txt").write_text("nửa chừng")  # left by a killed worker
    report = build(example_campaign, tmp_path, ["dot-1"], workers=1)
    assert report.rendered == 1 and report.reused == 101
    assert len(json.loads((root / "manifest.json").read_text())["artifacts"]) == 102
    assert lost.read_text().endswith("xong\n") and not list(lost.parent.glob(".*.part*"))


def test_a_file_changed_behind_the_journal_is_rendered_again(fakes, example_campaign, tmp_path):
    build(example_campaign, tmp_path, ["dot-1"], workers=1)
    victim = tmp_path / "ninh-thuan-2025" / "dot-1" / "truyen-thanh-co-so" / "phuoc-binh" / "bulletin.txt"
    victim.write_text("khác\n")
    todo, _, _ = plan_work(BuildContext(example_campaign, tmp_path), ["dot-1"])
    assert [j.id for j in todo] == ["dot-1/truyen-thanh-co-so/phuoc-binh/bulletin"]


def test_manifest_lists_each_artifact_once_and_only_when_every_file_exists(fakes, example_campaign, tmp_path):
    ctx = BuildContext(example_campaign, tmp_path)
    build(example_campaign, tmp_path, ["dot-3"], workers=1)
    arts = json.loads((ctx.out_root / "dot-3" / "manifest.json").read_text())["artifacts"]
    (ctx.out_root / "dot-3" / "manifest.json").unlink()
    finish_phases(ctx, ["dot-3"], {"dot-3": arts}, {"dot-3": arts[:3]}, [])  # a job delivered twice
    assert len(json.loads((ctx.out_root / "dot-3" / "manifest.json").read_text())["artifacts"]) == len(arts)

    (ctx.out_root / "dot-3" / "manifest.json").unlink()
    (ctx.out_root / arts[0]["path"]).unlink()
    with pytest.raises(FileNotFoundError, match="dot-3"):
        finish_phases(ctx, ["dot-3"], {"dot-3": arts}, {}, [])
    assert not (ctx.out_root / "dot-3" / "manifest.json").exists()
