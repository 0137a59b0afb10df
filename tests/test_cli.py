import json
import re
import subprocess
import sys

from typer.testing import CliRunner

from studio.cli import app

runner = CliRunner()


def test_validate_ok(example_path):
    result = runner.invoke(app, ["validate", str(example_path)])
    assert result.exit_code == 0, result.output
    assert "Hợp lệ" in result.output


def test_validate_errors_exit_2(campaign_copy):
    (campaign_copy / "briefs" / "x.yaml").write_text("id: x\nphase: dot-9\ntitle: t\nheadline: h\nchannels: [khong]\n",
                                                    encoding="utf-8")
    result = runner.invoke(app, ["validate", str(campaign_copy)])
    assert result.exit_code == 2
    assert "briefs/x.yaml:2: phase: giai đoạn 'dot-9' không có" in result.output
    assert "briefs/x.yaml:5: channels[0]: kênh 'khong' không có" in result.output


def test_validate_missing_folder_exit_2(tmp_path):
    assert runner.invoke(app, ["validate", str(tmp_path / "none")]).exit_code == 2


def test_plan_json_lists_all_phases(example_path):
    result = runner.invoke(app, ["plan", str(example_path), "--json"])
    assert result.exit_code == 0
    plan = json.loads(result.output)
    jobs = plan["jobs"]
    assert {j["phase"] for j in jobs} == {"dot-1", "dot-2-1", "dot-2-2", "dot-3"}
    assert plan["not_planned"] == [] and plan["notes"] == []  # the example asks for nothing it will not get
    assert all(j["id"].startswith(j["phase"] + "/") for j in jobs)


def test_plan_unknown_phase_exit_2(example_path):
    result = runner.invoke(app, ["plan", str(example_path), "--phase", "dot-9"])
    assert result.exit_code == 2


def test_new_brief_template_fails_until_filled_then_validates(campaign_copy):
    result = runner.invoke(app, ["new-brief", str(campaign_copy), "--phase", "dot-3", "--id", "tin-moi"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(campaign_copy), "--no-fit"])
    assert result.exit_code == 2  # the template's empty fields are not a brief yet
    reported = [line.split(": ")[1] for line in result.output.splitlines() if line.startswith("briefs/tin-moi.yaml:")]
    assert reported == ["title", "headline"] and result.output.count("chưa điền") == 2, result.output
    path = campaign_copy / "briefs" / "tin-moi.yaml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^title:.*$", "title: Học tập Nghị quyết", text, flags=re.M)
    path.write_text(re.sub(r"^headline:.*$", "headline: Đưa Nghị quyết vào cuộc sống", text, flags=re.M),
                    encoding="utf-8")
    assert runner.invoke(app, ["validate", str(campaign_copy)]).exit_code == 0
    assert runner.invoke(app, ["new-brief", str(campaign_copy), "--phase", "dot-3", "--id", "../x"]).exit_code == 2


def test_units_import_round_trip(tmp_path, example_path):
    out = tmp_path / "units.yaml"
    result = runner.invoke(app, ["units", "import", str(example_path / "data/ninh-thuan-units-2024.csv"),
                                 "--province", "Tỉnh Ninh Thuận", "--province-code", "58", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (example_path / "units.yaml").read_text(encoding="utf-8")


def test_console_script_help_on_every_command():
    for cmd in (["--help"], ["validate", "--help"], ["plan", "--help"], ["build", "--help"],
                ["units", "import", "--help"], ["radio", "--help"], ["video", "--help"], ["deck", "--help"],
                ["render", "--help"]):
        proc = subprocess.run([sys.executable, "-m", "studio.cli", *cmd], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_engine_notes_collected_once():
    from studio.commands.common import engine_notes

    note = "gTTS không trả lời (không có mạng): dùng espeak-ng"
    arts = [{"path": f"dot-1/truyen-thanh-co-so/{u}/bulletin.mp3", "meta": {"engine": "espeak-ng", "engine_note": note}}
            for u in ("xa-a", "xa-b")] + [{"path": "dot-1/x/y/z.png", "meta": {}}]
    assert engine_notes(arts) == [note]


def test_validate_reports_type_date_and_unit_errors_of_one_brief_together(campaign_copy):
    from tests.test_loader import BAD_BRIEF

    (campaign_copy / "briefs" / "tin-loi.yaml").write_text(BAD_BRIEF, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(campaign_copy)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("briefs/tin-loi.yaml:")]
    assert [line.split(": ")[0:2] for line in lines] == [
        ["briefs/tin-loi.yaml:7", "stats[0].value"], ["briefs/tin-loi.yaml:10", "targets[0]"],
        ["briefs/tin-loi.yaml:11", "start"]]


def test_command_modules_do_not_import_the_cli():
    """cli.py imports every command module; one importing studio.cli back would close a cycle."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "studio" / "commands"
    imported = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                package = ["studio", "commands"][:max(0, 3 - node.level)] if node.level else []
                imported.add((path.name, ".".join([*package, *filter(None, [node.module])])))
            elif isinstance(node, ast.Import):
                imported.update((path.name, alias.name) for alias in node.names)
    assert ("radio.py", "studio.commands.common") in imported  # the walk sees relative imports
    assert [(name, module) for name, module in imported if module == "studio.cli"] == []
