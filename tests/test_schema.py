"""``studio schema``: the JSON Schema of campaign.yaml and of a brief, published in docs/schema/,
agrees with what Studio accepts and refuses."""

from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from studio.cli import app
from studio.formats import FORMATS
from studio.loader import Loader
from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def printed(*args: str) -> str:
    result = runner.invoke(app, ["schema", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("args, published", [((), "campaign.schema.json"), (("--brief",), "brief.schema.json")])
def test_published_schemas_are_what_the_command_prints(args, published):
    """docs/schema/ cannot go stale: regenerate with `studio schema [--brief] > docs/schema/…`."""
    assert (ROOT / "docs" / "schema" / published).read_text(encoding="utf-8") == printed(*args)


def load(path: Path):
    """A YAML file as an editor's YAML 1.2 language server sees it: dates stay text."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = yaml.safe_load((ROOT / "docs" / "schema" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_file_passes_the_schemas(example):
    campaign, brief = validator("campaign.schema.json"), validator("brief.schema.json")
    assert [e.message for e in campaign.iter_errors(load(example / "campaign.yaml"))] == []
    for path in sorted((example / "briefs").glob("*.y*ml")):
        assert [e.message for e in brief.iter_errors(load(path))] == [], path


def test_the_schemas_catch_what_studio_refuses(example_path):
    campaign, brief = validator("campaign.schema.json"), validator("brief.schema.json")
    data = load(example_path / "briefs" / "dot1-thi-dua.yaml")
    assert not list(brief.iter_errors(data))
    for field, value in (("headlin", "x"),  # a misspelt key
                         ("formats", ["infographic-1080x1080", "poster-a9"]),  # a format that is not in the catalogue
                         ("id", "Tin Mới"), ("priority", "urgent"), ("start", "2025-02-30")):
        assert list(brief.iter_errors({**data, field: value})), field
    assert "source" not in brief.schema["properties"]  # filled by the loader, not written
    c = load(example_path / "campaign.yaml")
    assert not list(campaign.iter_errors(c))
    assert {"root", "units", "briefs"}.isdisjoint(campaign.schema["properties"])
    assert list(campaign.iter_errors({**c, "phases": [{**c["phases"][0], "end": None}]}))  # "chưa điền"
    formats = campaign.schema["$defs"]["Channel"]["properties"]["formats"]["items"]["enum"]
    assert formats == sorted(FORMATS)  # what an editor completes
