"""``studio video``: one brief's video, without building the whole campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

RATIOS = ("16x9", "9x16", "1x1")


def register(app: typer.Typer) -> None:
    @app.command()
    def video(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
              brief: str = typer.Option(..., "--brief", help="Mã tin bài"),
              ratio: str = typer.Option("16x9", "--format", help="Khung hình: 16x9 (TV, màn hình LED), "
                                                               "9x16 (mạng xã hội), 1x1"),
              out: Path = typer.Option(Path("outputs"), "--out", help="Thư mục đầu ra"),
              music: Optional[Path] = typer.Option(None, "--music", help="Tệp nhạc nền (tự giảm khi có lời đọc)")):
        """Tạo video ngắn (MP4 H.264 + AAC, phụ đề .srt, ảnh bìa) cho một tin bài."""
        from ..build import BuildContext
        from ..cli import console, err, load_or_exit
        from ..plan import RenderJob
        from ..video import VideoRenderer

        c = load_or_exit(campaign)
        if ratio not in RATIOS:
            err.print(f"Khung hình {ratio!r} không hợp lệ: chọn một trong {', '.join(RATIOS)}.")
            raise typer.Exit(2)
        try:
            b = c.brief(brief)
        except StopIteration:
            err.print(f"Không có tin bài {brief!r} trong {campaign}/briefs. Các tin bài: "
                      f"{', '.join(x.id for x in c.briefs)}")
            raise typer.Exit(2)
        if music is not None and not music.is_file():
            err.print(f"Không tìm thấy tệp nhạc nền {music}.")
            raise typer.Exit(2)
        fmt = f"video-{ratio}"
        channel = next((ch for ch in c.channels if ch.id in b.channels and fmt in ch.formats), None)
        phase = c.phase(b.phase)
        province = c.unit_tree().at_level("province", phase.start)[0]
        job = RenderJob(phase.id, channel.id if channel else "video", fmt, "video", province.id, b.id)
        ctx = BuildContext(c, out, {"video": {"music": str(music.resolve())} if music else {}})
        try:
            outputs = VideoRenderer().render(job, ctx)
        except (RuntimeError, ValueError, LookupError, OSError) as exc:  # TTS, ffmpeg, template, font
            err.print(f"Tin bài {b.id} ({b.source or campaign}): không tạo được video {fmt}: {exc}", markup=False)
            raise typer.Exit(1)
        for output in outputs:
            console.print(f"Đã ghi {output.path}", markup=False, highlight=False)
