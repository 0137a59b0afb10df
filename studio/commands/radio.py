"""``studio radio``: commune bulletins of one phase, and ``studio radio normalize`` (spoken form of stdin)."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Optional

import typer


def normalize_stream(stdin, stdout, abbreviations: dict[str, str] | None = None) -> None:
    """One spoken-form line out per line in (empty lines stay empty)."""
    from studio.radio.normalize import normalizer_for

    speak = normalizer_for(abbreviations)
    for line in stdin:
        stdout.write(speak(line.rstrip("\n")) + "\n")
    stdout.flush()


def register(app: typer.Typer) -> None:
    @app.command("radio")
    def radio(target: str = typer.Argument(..., metavar="CAMPAIGN|normalize",
                                           help="Thư mục chiến dịch; hoặc 'normalize' để đọc văn bản từ stdin và in "
                                                "dạng đọc (mỗi dòng vào một dòng ra)"),
              phase: Optional[str] = typer.Option(None, help="Mã giai đoạn (bắt buộc khi tạo bản tin)"),
              unit: Optional[str] = typer.Option(None, help="Chỉ một xã/phường/thị trấn (mã đơn vị)"),
              engine: Optional[str] = typer.Option(None, help="Bộ đọc: espeak-ng, gtts, auto, piper"),
              out: Path = typer.Option(Path("outputs"), help="Thư mục đầu ra"),
              workers: int = typer.Option(0, help="Số tiến trình (0 = số lõi CPU)"),
              campaign: Optional[Path] = typer.Option(None, help="(normalize) dùng thêm từ viết tắt của chiến dịch")):
        """Bản tin truyền thanh cơ sở: kịch bản, văn bản đọc và MP3 cho từng xã của một giai đoạn."""
        from studio.cli import console, err, load_or_exit, phase_ids

        if target == "normalize" and not (Path(target) / "campaign.yaml").exists():
            abbreviations = load_or_exit(campaign).audio.abbreviations if campaign else None
            for stream in (sys.stdin, sys.stdout):
                try:
                    stream.reconfigure(encoding="utf-8", errors="replace")
                except (AttributeError, ValueError):
                    pass
            normalize_stream(sys.stdin, sys.stdout, abbreviations)
            return
        from studio.radio import ENGINES

        if engine and engine not in ENGINES:
            err.print(f"Không có bộ đọc {engine!r}. Chọn một trong: {', '.join(sorted(ENGINES))}.")
            raise typer.Exit(2)
        c = load_or_exit(Path(target))
        if not phase:
            err.print(f"Cần --phase. Các giai đoạn: {', '.join(p.id for p in c.all_phases())}")
            raise typer.Exit(2)
        from studio.plan import expand

        jobs = [j for j in expand(c, phase_ids(c, phase)) if j.kind == "bulletin"]
        if unit:
            if unit not in {u.id for u in c.units}:
                err.print(f"Không có đơn vị {unit!r} trong {c.units_file}.")
                raise typer.Exit(2)
            jobs = [j for j in jobs if j.unit == unit]
        if not jobs:
            err.print(f"Giai đoạn {phase} không có bản tin truyền thanh nào"
                      + (f" cho đơn vị {unit}" if unit else "") + ".")
            raise typer.Exit(2)
        options = {"bulletin": {"engine": engine}} if engine else {}
        args = [(c.root, str(out), options, j.to_dict()) for j in jobs]
        workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        failures, notes = 0, set()
        with ProcessPoolExecutor(workers) as pool:
            futures = [(job, pool.submit(_safe, *a)) for job, a in zip(jobs, args)]
            for job, future in futures:
                ok, result = future.result()
                if not ok:
                    failures += 1
                    err.print(f"LỖI {job.id}: {result}", style="red", markup=False)
                    continue
                mp3 = next(a for a in result if a["media_type"] == "audio/mpeg")
                meta = mp3["meta"]
                if meta.get("engine_note"):
                    notes.add(meta["engine_note"])
                console.print(f"{meta['unit_name']}{' ' + job.day if job.day else ''}: {out / c.id / mp3['path']} "
                              f"({meta['duration_s']:.0f} giây, {meta['engine']}, {meta['lufs']:.1f} LUFS)",
                              markup=False, highlight=False)
        for note in sorted(notes):
            err.print(note, style="yellow", markup=False)
        console.print(f"Đã tạo {len(jobs) - failures} bản tin, lỗi {failures}.")
        if failures:
            raise typer.Exit(1)


def _safe(*args):
    from studio.build import execute

    try:
        return True, execute(*args)
    except Exception as exc:  # reported per bulletin; one failure does not stop the others
        return False, f"{type(exc).__name__}: {exc}"
