"""What a designer can write wrong: every broken input is a located Vietnamese message and exit 2.

Each case breaks a copy of the example campaign in one way and runs the real ``studio``
command in its own process, measured with ``os.wait4``: exit 2, the file and line (or the
file, where YAML has no line), no traceback, nothing written to the output folder, in
bounded time and memory. The alias bomb ("billion laughs") is among them.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"
BRIEF = "briefs/dot1-thi-dua.yaml"
MAX_SECONDS, MAX_MB = 2.0, 200
DRY_RUN_MB = 300  # laying out every scene loads the word segmenter's model (pyvi, scikit-learn): ~100 MB

GOOD_BRIEF = """\
id: tin-moi
phase: dot-1
title: Tin mới
headline: Tiêu đề tin mới
key_messages: [Ý chính]
stats:
  - {label: Số liệu, value: 12, illustrative: true}
channels: [mang-xa-hoi]
formats: [infographic-1080x1080]
"""

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, n in zip("abcdefgh", "bcdefghi"))


def brief(text: str, name: str = "tin-moi.yaml"):
    def write(root: Path) -> str:
        (root / "briefs" / name).write_text(text, encoding="utf-8")
        return f"briefs/{name}"
    return write


def good_brief_with(old: str, new: str, name: str = "tin-moi.yaml"):
    assert old in GOOD_BRIEF
    return brief(GOOD_BRIEF.replace(old, new), name)


def edit_text(path: str, old: str, new: str):
    def write(root: Path) -> str:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, old
        (root / path).write_text(text.replace(old, new, 1), encoding="utf-8")
        return path
    return write


def write_bytes(path: str, data: bytes):
    def write(root: Path) -> str:
        (root / path).write_bytes(data)
        return path
    return write


def directory_named_yaml(root: Path) -> str:
    (root / "briefs" / "thu-muc.yaml").mkdir()
    return "briefs/thu-muc.yaml"


def no_campaign_file(root: Path) -> str:
    (root / "campaign.yaml").unlink()
    return str(root)


# (case id, how to break the copy, text the message must contain besides the file)
CASES = [
    ("no-campaign-yaml", no_campaign_file, "không có campaign.yaml"),
    ("campaign-syntax", edit_text("campaign.yaml", "title: ", "title: [\n"), "lỗi cú pháp YAML"),
    ("campaign-not-utf8", write_bytes("campaign.yaml", "title: Tỉnh".encode("utf-16")), "UTF-8"),
    ("campaign-is-a-list", write_bytes("campaign.yaml", b"- a\n- b\n"), "bảng khóa"),
    ("campaign-unknown-key", edit_text("campaign.yaml", "language: vi", "langage: vi"), "không được hỗ trợ"),
    ("title-blank", edit_text("campaign.yaml", "title: Thông tin, tuyên truyền", 'title: "  "  #'),
     "không được để trống"),
    ("issuer-blank", edit_text("campaign.yaml", "issuer: Ủy ban nhân dân tỉnh Ninh Thuận", 'issuer: "  "'),
     "không được để trống"),
    ("phase-end-before-start", edit_text("campaign.yaml", "end: 2025-07-31", "end: 2024-07-31"), "trước ngày bắt đầu"),
    ("phase-month-13", edit_text("campaign.yaml", "start: 2025-01-01", "start: 2025-13-01"), "YYYY-MM-DD"),
    ("phase-overlap", edit_text("campaign.yaml", "start: 2025-08-01\n    end: 2025-09-26",
                                "start: 2025-07-15\n    end: 2025-09-26"), "chồng lên"),
    ("daily-to-2125", edit_text("campaign.yaml", "start: 2025-09-27\n    end: 2025-12-31",
                                "start: 2025-09-27\n    end: 2125-12-31\n    daily: true"), "tối đa 62 ngày"),
    ("units-file-outside", edit_text("campaign.yaml", "units_file: units.yaml", "units_file: /etc/passwd"),
     "ngoài thư mục chiến dịch"),
    ("units-file-missing", edit_text("campaign.yaml", "units_file: units.yaml", "units_file: khong-co.yaml"),
     "không có tệp 'khong-co.yaml'"),
    ("channel-unknown-format", edit_text("campaign.yaml", "formats: [deck-16x9]", "formats: [deck-4x3]"),
     "định dạng 'deck-4x3' không có"),
    ("unit-unknown-parent", edit_text("units.yaml", "parent: bac-ai", "parent: huyen-khong-co"),
     "không có trong danh sách đơn vị"),
    ("units-not-a-list", write_bytes("units.yaml", b"a: 1\n"), "phải là một danh sách"),
    ("brief-duplicate-key", good_brief_with("title: Tin mới", "title: Tin mới\ntitle: Tin khác"), "khóa bị lặp"),
    ("brief-no-channel", good_brief_with("channels: [mang-xa-hoi]", "channels: []"), "channels: chưa chọn kênh nào"),
    ("brief-recursive-alias", brief("id: &a [*a]\n"), "neo và bí danh"),
    ("brief-alias-bomb", brief(BOMB), "neo và bí danh"),
    ("brief-headline-blank", good_brief_with("headline: Tiêu đề tin mới", 'headline: "  \\t "'),
     "không được để trống"),
    ("brief-headline-missing", good_brief_with("headline: Tiêu đề tin mới\n", ""), "thiếu trường bắt buộc"),
    ("brief-message-blank", good_brief_with("key_messages: [Ý chính]", 'key_messages: [Ý chính, " "]'),
     "không được để trống"),
    ("brief-value-nan", good_brief_with("value: 12", "value: .nan"), "hữu hạn"),
    ("brief-value-inf", good_brief_with("value: 12", "value: .inf"), "hữu hạn"),
    ("brief-value-true", good_brief_with("value: 12", "value: true"), "cần một số"),
    ("brief-value-text", good_brief_with("value: 12", 'value: "12,5%"'), "cần một số"),
    ("brief-200-stats", good_brief_with("stats:\n  - {label: Số liệu, value: 12, illustrative: true}",
                                        "stats:\n" + "  - {label: Số liệu, value: 1, illustrative: true}\n" * 200),
     "tối đa 20 mục"),
    ("brief-id-too-long", good_brief_with("id: tin-moi", "id: " + "-".join(["tin"] * 75)), "dài quá 80"),
    ("brief-id-not-slug", good_brief_with("id: tin-moi", "id: Tin Mới"), "mã không hợp lệ"),
    ("brief-is-a-directory", directory_named_yaml, "là một thư mục"),
    ("brief-yml-checked", good_brief_with("phase: dot-1", "phase: dot-9", name="tin-moi.yml"),
     "giai đoạn 'dot-9' không có"),
    ("brief-feb-30", good_brief_with("channels: [mang-xa-hoi]", "channels: [mang-xa-hoi]\nstart: 2025-02-30"),
     "YYYY-MM-DD"),
    ("brief-hour-25", good_brief_with("channels: [mang-xa-hoi]", "channels: [mang-xa-hoi]\napproval: "
                                      "{status: approved, by: A, at: 2025-01-06T25:00:00+07:00}"), "approval.at"),
    ("brief-unknown-channel", good_brief_with("channels: [mang-xa-hoi]", "channels: [mang-xa-hoi, bao-giay]"),
     "kênh 'bao-giay' không có"),
    ("brief-format-not-in-channels", good_brief_with("formats: [infographic-1080x1080]", "formats: [pano-4000x2000]"),
     "không thuộc các kênh"),
    ("brief-unknown-target", good_brief_with("channels:", "targets: [xa-khong-co]\nchannels:"), "không có trong"),
    ("brief-unknown-audience", good_brief_with("channels:", "audiences: [bo-khong-co]\nchannels:"),
     "đối tượng 'bo-khong-co'"),
    ("brief-start-outside-phase", good_brief_with("channels:", "start: 2025-12-01\nchannels:"), "nằm ngoài giai đoạn"),
    ("brief-approved-anonymously", good_brief_with("channels:", "approval: {status: approved}\nchannels:"),
     "người duyệt"),
    ("brief-real-stat-no-source", good_brief_with(", illustrative: true", ""), "cần ghi nguồn"),
    ("brief-negative-bar", brief(GOOD_BRIEF.replace("value: 12", "value: -3") + "template: stat-chart\n"),
     "không vẽ được số âm"),
    ("brief-duplicate-id", good_brief_with("id: tin-moi", "id: dot1-thi-dua"), "đã dùng ở"),
    ("brief-unknown-priority", good_brief_with("channels:", "priority: urgent\nchannels:"), "không hợp lệ"),
    ("brief-is-a-list", brief("- id: tin-moi\n"), "bảng khóa"),
    ("brief-too-large", brief("body: |\n" + ("  " + "x" * 100 + "\n") * 25_000), "lớn quá"),
]


def huge_png(width: int, height: int) -> bytes:
    """A PNG header claiming ``width``×``height`` pixels (no pixel data: only the header is read)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def with_image(data: bytes):
    """A brief whose image is ``data``."""
    def write(root: Path) -> str:
        (root / "anh").mkdir(exist_ok=True)
        (root / "anh" / "lon.png").write_bytes(data)
        return good_brief_with("channels:", "images: [{path: anh/lon.png, alt: Ảnh}]\nchannels:")(root)
    return write


# What only the dry run finds (``studio.check``): the build would reject these while rendering.
DRY_RUN_CASES = [
    ("template-unknown", good_brief_with("channels:", "template: khong-co\nchannels:"), "không có mẫu"),
    ("template-escapes", good_brief_with("channels:", "template: ../../etc/passwd\nchannels:"), "mẫu"),
    ("template-partial", good_brief_with("channels:", "template: _frame\nchannels:"), "mẫu"),
    ("brand-colour-name", edit_text("campaign.yaml", 'primary: "#C8102E"', 'primary: "red"'), "#RRGGBB"),
    ("brand-font-unknown", edit_text("campaign.yaml", "heading: BeVietnamPro-Bold", "heading: Arial"), "Arial"),
    ("logo-outside", edit_text("campaign.yaml", "brand:\n", "brand:\n  logo: ../../../etc/hostname\n"),
     "logo"),
    ("image-missing", good_brief_with("channels:", "images: [{path: anh/khong-co.png, alt: Ảnh}]\nchannels:"),
     "images[0]"),
    ("image-pixel-bomb", with_image(huge_png(20000, 20000)), "quá lớn"),
    ("headline-markup", good_brief_with("headline: Tiêu đề tin mới", "headline: \"<b>Tiêu đề</b> &amp; tin\""),
     "thẻ hoặc mã HTML '&amp;', '</b>', '<b>'"),
    ("timeline-invisible", good_brief_with("channels:", "timeline: [{label: \"Bước\u202e một\"}]\nchannels:"),
     "timeline[0].label"),
    ("headline-emoji", good_brief_with("headline: Tiêu đề tin mới", "headline: Tiêu đề 🎉"), "🎉"),
    ("headline-zero-width", good_brief_with("headline: Tiêu đề tin mới", "headline: \"Tiêu\u200bđề\""), "headline"),
    ("headline-too-long", good_brief_with("headline: Tiêu đề tin mới", "headline: " + "Tiêu đề rất dài " * 40),
     "không vừa khung"),
    ("audio-bitrate", edit_text("campaign.yaml", "bitrate_kbps: 128", "bitrate_kbps: 100"), "audio.bitrate_kbps"),
    ("audio-too-loud", edit_text("campaign.yaml", "target_lufs: -16", "target_lufs: -3"), "audio.target_lufs"),
]


@pytest.fixture
def campaign(tmp_path):
    root = tmp_path / "campaign"
    shutil.copytree(EXAMPLE, root)
    return root


# The command reports its own peak memory: a forked child's ``ru_maxrss`` would count the
# (possibly large) test process it was forked from; /proc's VmHWM is the command's own.
RUN = ("import atexit, runpy, sys\n"
       "def peak():\n"
       "    status = open('/proc/self/status').read()\n"
       "    sys.stderr.write('\\nVmHWM ' + status.split('VmHWM:')[1].split()[0] + '\\n')\n"
       "atexit.register(peak)\n"
       "sys.argv = ['studio', *sys.argv[1:]]\n"
       "runpy.run_module('studio.cli', run_name='__main__')\n")


def run(args: list[str], cwd: Path) -> tuple[int, str, float, float]:
    """Run ``studio ARGS`` in its own process: (exit code, output, CPU seconds, peak MB).

    CPU time rather than wall time: what the command costs, not how busy the machine is.
    """
    proc = subprocess.Popen([sys.executable, "-c", RUN, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, "COLUMNS": "200"})
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, _, peak = out.rpartition("\nVmHWM ")
    return proc.returncode, out, usage.ru_utime + usage.ru_stime, int(peak.split()[0]) / 1024


@pytest.mark.parametrize("case,breaks,expected", CASES, ids=[c[0] for c in CASES])
def test_broken_input_is_a_located_message(campaign, tmp_path, case, breaks, expected):
    where = breaks(campaign)
    out_dir = tmp_path / "out"
    code, out, seconds, mb = run(["validate", str(campaign)], tmp_path)
    assert code == 2, out
    assert "Traceback" not in out, out
    assert expected in out, out
    shown = where if where.startswith("/") else where
    assert shown in out, (shown, out)
    assert seconds < MAX_SECONDS and mb < MAX_MB, (case, seconds, mb)
    code, out, _, _ = run(["build", str(campaign), "--out", str(out_dir)], tmp_path)
    assert code == 2 and "Traceback" not in out and expected in out, out
    assert not out_dir.exists() or not any(out_dir.rglob("*")), "a rejected campaign must write nothing"


def test_alias_bomb_costs_a_node_walk(campaign):
    """A 1 KB file whose aliases expand to 10⁹ strings is refused before anything is built from it."""
    import tracemalloc

    from studio.loader import CampaignError, load_campaign

    (campaign / "briefs" / "bom.yaml").write_text(BOMB, encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign)
    seconds, peak = time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [str(p) for p in info.value.problems] == [
        "briefs/bom.yaml:1: không dùng neo và bí danh YAML (&tên, *tên): viết đầy đủ giá trị ở từng chỗ"]
    assert seconds < 1.0 and peak < 100e6, (seconds, peak)


def test_every_case_names_a_line_where_yaml_has_one(campaign, tmp_path):
    """A brief's problem points at its line, e.g. briefs/tin-moi.yaml:4."""
    (campaign / "briefs" / "tin-moi.yaml").write_text(GOOD_BRIEF.replace("value: 12", "value: .nan"), encoding="utf-8")
    code, out, _, _ = run(["validate", str(campaign)], tmp_path)
    assert code == 2 and "briefs/tin-moi.yaml:7: stats[0].value:" in out, out


def test_commands_all_refuse_a_broken_campaign_the_same_way(campaign, tmp_path):
    """Every command that reads a campaign reports its problems, never a traceback."""
    (campaign / "briefs" / "tin-moi.yaml").write_text(GOOD_BRIEF.replace("headline: Tiêu đề tin mới", "headline: ''"),
                                                      encoding="utf-8")
    out_dir = tmp_path / "out"
    for args in (["plan", str(campaign)], ["build", str(campaign), "--out", str(out_dir)],
                 ["radio", str(campaign), "--phase", "dot-1", "--out", str(out_dir)],
                 ["deck", str(campaign), "--phase", "dot-1", "--out", str(out_dir)],
                 ["video", str(campaign), "--brief", "tin-moi", "--out", str(out_dir)],
                 ["render", str(campaign), "--brief", "tin-moi", "--out", str(out_dir)],
                 ["preview", str(campaign), "--brief", "tin-moi", "--out", str(out_dir / "p.png")],
                 ["new-brief", str(campaign), "--phase", "dot-1", "--id", "tin-khac"],
                 ["schedule", str(campaign)]):
        code, out, _, _ = run(args, tmp_path)
        assert code == 2 and "briefs/tin-moi.yaml:4: headline: chưa điền: không được để trống" in out, (args, out)
        assert "Traceback" not in out, (args, out)
    assert not out_dir.exists()


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    """An internal error is not the user's fault: one line with a hint; ``--debug`` raises it."""
    from studio import cli

    def broken(*args, **kwargs):
        raise RuntimeError("hỏng bên trong")

    monkeypatch.setattr(cli, "survey", broken)
    assert cli.main(["plan", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert "Lỗi không mong đợi: RuntimeError: hỏng bên trong" in err and "--debug" in err and "Traceback" not in err
    with pytest.raises(RuntimeError):
        cli.main(["plan", str(EXAMPLE), "--debug"])


@pytest.mark.parametrize("case,breaks,expected", DRY_RUN_CASES, ids=[c[0] for c in DRY_RUN_CASES])
def test_dry_run_problem_is_a_located_message(campaign, tmp_path, case, breaks, expected):
    """The same bar for what only a dry run of the build finds; the whole campaign is laid out, so
    the bound is the issue's for validating the example (10 s), not 2 s."""
    where = breaks(campaign)
    code, out, seconds, mb = run(["validate", str(campaign)], tmp_path)
    assert code == 2 and "Traceback" not in out and expected in out, out
    assert where in out or "campaign.yaml" in out, (where, out)
    assert seconds < 10 and mb < DRY_RUN_MB, (case, seconds, mb)
