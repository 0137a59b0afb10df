"""``studio radio``: commune bulletins of one phase through the build pipeline, and ``studio radio normalize``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..build import DEFAULT_OUT
from .common import (
    build_options,
    check_engine,
    console,
    err,
    load_or_exit,
    phase_ids,
    run_build,
)


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
              phase: Optional[str] = typer.Option(None, help="Mã giai đoạn (và các giai đoạn con); bắt buộc khi tạo "
                                                             "bản tin"),
              unit: Optional[str] = typer.Option(None, help="Chỉ một xã/phường/thị trấn (mã đơn vị)"),
              engine: Optional[str] = typer.Option(None, help="Bộ đọc: espeak-ng, gtts, auto, piper (như studio build "
                                                              "--engine)"),
              out: Path = typer.Option(Path(DEFAULT_OUT), help="Thư mục đầu ra (như studio build)"),
              workers: int = typer.Option(0, help="Số tiến trình (0 = số lõi CPU)"),
              campaign: Optional[Path] = typer.Option(None, help="(normalize) dùng thêm từ viết tắt của chiến dịch")):
        """Bản tin truyền thanh cơ sở (kịch bản, văn bản đọc, MP3) cho từng xã của một giai đoạn.

        Tạo qua cùng quy trình với studio build: cùng thư mục, cùng manifest; bản tin đã có và
        không đổi được giữ nguyên.
        """
        if target == "normalize" and not (Path(target) / "campaign.yaml").exists():
            abbreviations = load_or_exit(campaign).audio.abbreviations if campaign else None
            for stream in (sys.stdin, sys.stdout):
                try:
                    stream.reconfigure(encoding="utf-8", errors="replace")
                except (AttributeError, ValueError):
                    pass
            normalize_stream(sys.stdin, sys.stdout, abbreviations)
            return
        from ..plan import Selection, expand

        check_engine(engine)
        c = load_or_exit(Path(target))
        if not phase:
            err.print(f"Cần --phase. Các giai đoạn: {', '.join(p.id for p in c.all_phases())}")
            raise typer.Exit(2)
        ids = phase_ids(c, phase)
        if unit is not None and unit not in {u.id for u in c.units}:
            err.print(f"Không có đơn vị {unit!r} trong {c.units_file}.")
            raise typer.Exit(2)
        select = Selection(kinds={"bulletin"}, units={unit} if unit else None)
        if not any(select.matches(j) for j in expand(c, ids)):
            err.print(f"Giai đoạn {phase} không có bản tin truyền thanh nào"
                      + (f" cho đơn vị {unit} (bản tin làm cho cấp xã)" if unit else "") + ".")
            raise typer.Exit(2)
        made = run_build(c, out, ids, build_options(engine=engine), workers, select)
        for art in made:
            if art["media_type"] != "audio/mpeg":
                continue
            meta = art["meta"]
            console.print(f"{meta['unit_name']}: {out / c.id / art['path']} "
                          f"({meta['duration_s']:.0f} giây, {meta['engine']}, {meta['lufs']:.1f} LUFS)",
                          markup=False, highlight=False)
