"""What ``studio/cli.py`` and every ``studio/commands/*`` module share.

A leaf among the commands: it imports no command module and not ``studio.cli``, so
the commands can import it while ``cli`` imports them (no cycle).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from ..build import build
from ..formats import FORMATS
from ..plan import Selection, expand

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

CampaignArg = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)")
PREVIEW = "preview"  # ad-hoc renders (not in the plan, not in any manifest): <out>/preview/<campaign>/


def load_or_exit(folder: Path):
    """Load a campaign, or print every problem and exit with code 2."""
    from ..loader import CampaignError, load_campaign

    try:
        return load_campaign(folder)
    except CampaignError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"{len(exc.problems)} lỗi. Sửa các lỗi trên rồi chạy lại.", style="bold red")
        raise typer.Exit(2) from None


def phase_ids(c, phase: str | None) -> list[str] | None:
    """``--phase``: the phase and its subphases, or exit 2 naming the phases there are."""
    if phase is None:
        return None
    try:
        return c.phase_with_children(phase)
    except KeyError:
        err.print(f"Không có giai đoạn {phase!r}. Các giai đoạn: {', '.join(p.id for p in c.all_phases())}")
        raise typer.Exit(2) from None


def build_options(engine: str | None = None, cmyk: bool = False, bleed: float | None = None,
                  deck_pdf: bool = True, music: Path | None = None) -> dict:
    """Renderer options by kind; only what differs from the defaults, so inputs hashes stay stable.

    ``studio build`` and the single-asset commands all go through here, so the same flags
    give the same options, the same inputs hashes, and nothing is rendered twice.
    """
    options: dict = {}
    if engine:
        options["bulletin"] = {"engine": engine}
    visual: dict = {"cmyk": True} if cmyk else {}
    if bleed is not None:
        visual["bleed_mm"] = bleed
    if visual:
        options["visual"] = visual
    if not deck_pdf:  # a deck's PDF ships beside its pptx unless asked not to
        options["deck"] = {"pdf": False}
    if music:
        options["video"] = {"music": str(music.resolve())}
    return options


def check_music(music: Path | None) -> None:
    if music is not None and not music.is_file():
        err.print(f"--music: không có tệp {music}")
        raise typer.Exit(2)


def check_engine(engine: str | None) -> None:
    if not engine:
        return
    from ..radio import ENGINES

    if engine not in ENGINES:
        err.print(f"Không có bộ đọc {engine!r}. Chọn một trong: {', '.join(sorted(ENGINES))}.")
        raise typer.Exit(2)


def engine_notes(artifacts: list[dict]) -> list[str]:
    """What a TTS engine said about itself (e.g. ``auto`` fell back to espeak-ng), once each."""
    notes: list[str] = []
    for art in artifacts:
        note = art.get("meta", {}).get("engine_note")
        if note and note not in notes:
            notes.append(note)
    return notes


def run_build(c, out: Path, ids: list[str] | None, options: dict, workers: int = 0,
              select: Selection | None = None, storage: str | None = None) -> list[dict]:
    """Run ``studio.build.build`` with a progress bar and print its outcome the one way every command does.

    Returns the manifest entries of the selected jobs (rendered now or kept); exits 1
    after printing every failure (and a manifest that could not be written), 2 when
    another process is writing into the same output folder.
    """
    from ..locks import Busy
    from ..storage import StorageError

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        task = progress.add_task("Đang tạo sản phẩm", total=None)
        try:
            report = build(c, out, ids, workers or None, options, select=select, storage=storage,
                           on_start=lambda n: progress.update(task, total=n),
                           on_progress=lambda job, ok: progress.advance(task))
        except (Busy, StorageError) as exc:
            progress.stop()
            err.print(str(exc), style="bold red", markup=False, highlight=False)
            raise typer.Exit(2) from None
    made = [a for m in report.manifests for a in json.loads(Path(m).read_text(encoding="utf-8"))["artifacts"]]
    if select is not None:
        wanted = {j.id for j in expand(c, ids) if select.matches(j)}
        made = [a for a in made if a["job"] in wanted]
    for fmt, n in sorted(report.unsupported.items()):
        err.print(f"Chưa có trình kết xuất cho định dạng {fmt} ({FORMATS[fmt].name}): bỏ qua {n} sản phẩm.",
                  style="yellow")
    for note in engine_notes(made):
        err.print(note, style="yellow", markup=False)
    for f in report.failures:
        serving = f.get("serving")
        kept = (f"; vẫn dùng bản tốt trước đó (tạo lúc {serving['made_at'] or '?'}, "
                f"đầu vào {serving['inputs_hash'][:12]})" if serving else "; chưa có bản nào để dùng thay")
        err.print(f"LỖI {f['job']} (tin bài {f['brief'] or '—'}, định dạng {f['format']}, đơn vị {f['unit']}): "
                  f"{f['error']}{kept}", style="red", markup=False)
    if len(report.failures) > 1:  # 62 communes failing on one brief read as one problem
        groups = Counter((f["brief"] or "—", f["format"]) for f in report.failures)
        err.print("Tóm tắt lỗi theo tin bài và định dạng: " + "; ".join(
            f"{brief} × {fmt}: {n}" for (brief, fmt), n in sorted(groups.items())), style="red", markup=False)
    if report.error:
        err.print(report.error, style="bold red", markup=False)
    console.print(f"Đã tạo {report.rendered}, giữ nguyên {report.reused}, lỗi {len(report.failures)}, "
                  f"trong {report.seconds:.1f} giây. Manifest: {', '.join(str(m) for m in report.manifests)}",
                  markup=False)
    if not report.ok:
        raise typer.Exit(1)
    return made
