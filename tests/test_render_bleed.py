"""``studio render --format pdf`` (a print preview) gets the bleed the build would give the same format:
the format's default, the channel's, ``--bleed`` (issue 17: 50 mm on a pa nô, not 3 mm everywhere)."""

from __future__ import annotations

import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from studio.cli import app

PT_PER_MM = 72 / 25.4


def bleed_of(pdf) -> float:
    page = PdfReader(pdf).pages[0]
    trim, bleed = (float(v) for v in page.trimbox), (float(v) for v in page.bleedbox)
    margins = {round((t - b) / PT_PER_MM, 2) for t, b in zip(list(trim)[:2], list(bleed)[:2])}
    assert len(margins) == 1, margins
    return margins.pop()


def render(campaign, out, *args: str):
    result = CliRunner().invoke(app, ["render", str(campaign), "--brief", "dot1-thi-dua", "--format", "pdf",
                                      "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    [pdf] = [line for line in result.output.split() if line.endswith(".pdf")]
    return pdf


def test_print_preview_uses_the_builds_bleed(campaign_copy, tmp_path):
    assert bleed_of(render(campaign_copy, tmp_path / "a", "--template", "pano")) == 50.0  # pa nô: frame wrap
    assert bleed_of(render(campaign_copy, tmp_path / "b", "--template", "poster")) == 3.0  # A3 poster
    assert bleed_of(render(campaign_copy, tmp_path / "c", "--template", "pano", "--size", "2000x1000mm")) == 50.0
    assert bleed_of(render(campaign_copy, tmp_path / "d", "--template", "pano", "--bleed", "10")) == 10.0
    # the pa nô channel's own bleed (a hemmed banner with eyelets), as the build reads it
    path = campaign_copy / "campaign.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(c for c in data["channels"] if c["id"] == "pano")["bleed_mm"] = 25
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert bleed_of(render(campaign_copy, tmp_path / "e", "--template", "pano", "--size", "pano-3000x1500")) == 25.0
