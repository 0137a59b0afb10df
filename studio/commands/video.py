"""``studio video``: one brief's planned video, through the build pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..build import DEFAULT_OUT
from .common import (
    build_options,
    check_engine,
    check_music,
    console,
    err,
    load_or_exit,
    run_build,
)

RATIOS = ("16x9", "9x16", "1x1")


def register(app: typer.Typer) -> None:
    @app.command()
    def video(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
              brief: str = typer.Option(..., "--brief", help="Mã tin bài"),
              ratio: str = typer.Option("16x9", "--format", help="Khung hình: 16x9 (TV, màn hình LED), "
                                                               "9x16 (mạng xã hội), 1x1"),
              out: Path = typer.Option(Path(DEFAULT_OUT), "--out", help="Thư mục đầu ra (như studio build)"),
              music: Optional[Path] = typer.Option(None, "--music", help="Tệp nhạc nền (tự giảm khi có lời đọc); "
                                                                        "như studio build --music"),
              engine: Optional[str] = typer.Option(None, help="Bộ đọc lời: espeak-ng, gtts, auto, piper (như studio "
                                                              "build --engine)")):
        """Tạo video ngắn (MP4 H.264 + AAC, phụ đề .srt, ảnh bìa) của một tin bài, như studio build tạo.

        Cùng thư mục, cùng manifest với studio build; video đã có và không đổi được giữ nguyên.
        """
        from ..plan import Selection, expand

        c = load_or_exit(campaign)
        if ratio not in RATIOS:
            err.print(f"Khung hình {ratio!r} không hợp lệ: chọn một trong {', '.join(RATIOS)}.")
            raise typer.Exit(2)
        try:
            b = c.brief(brief)
        except StopIteration:
            err.print(f"Không có tin bài {brief!r} trong {campaign}/briefs. Các tin bài: "
                      f"{', '.join(x.id for x in c.briefs)}")
            raise typer.Exit(2) from None
        check_music(music)
        check_engine(engine)
        planned = [j for j in expand(c, [b.phase]) if Selection(briefs={brief}, kinds={"video"}).matches(j)]
        select = Selection(briefs={brief}, formats={f"video-{ratio}"})
        if not any(select.matches(j) for j in planned):
            have = sorted({j.format.removeprefix("video-") for j in planned})
            err.print(f"Kế hoạch không có video {ratio} cho tin bài {brief} (kênh và formats của tin bài quyết định "
                      "định dạng). " + (f"Tin bài này có video: {', '.join(have)}." if have else
                                        "Tin bài này không có video nào: thêm kênh có video (vd. truyen-hinh) và "
                                        "định dạng video-16x9 vào tin bài."))
            raise typer.Exit(2)
        made = run_build(c, out, [b.phase], build_options(engine=engine, music=music), select=select)
        for art in made:
            console.print(f"{out / c.id / art['path']}", markup=False, highlight=False)
