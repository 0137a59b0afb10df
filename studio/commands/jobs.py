"""CLI for batch jobs: ``studio schedule``, ``studio batch submit|status|list``."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .common import console, err, load_or_exit, phase_ids

batch_app = typer.Typer(help="Lô việc chạy trên Celery worker.", no_args_is_help=True)


@contextmanager
def server_errors():
    """Broker or Redis not there: one clear sentence and exit code 2, not a traceback."""
    from jobs.submit import SERVER_ERRORS, server_problem

    try:
        yield
    except SERVER_ERRORS as exc:
        err.print(server_problem(exc), markup=False)
        raise typer.Exit(2) from None


def schedule(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
             hour: int = typer.Option(6, help="Giờ chạy trong ngày (giờ Việt Nam)"),
             grace_hours: float = typer.Option(6, help="Lô bị lỡ còn được chạy bù nếu chưa quá số giờ này"),
             now: Optional[str] = typer.Option(None, help="Xem lịch như ở thời điểm này "
                                                          "(ISO, ví dụ 2025-09-24T07:00)")):
    """In lịch chạy lô việc theo các giai đoạn của chiến dịch (dùng cho celery -A jobs beat)."""
    from jobs.beat import TZ, calendar, describe, recorded_runs

    c = load_or_exit(campaign)
    try:
        moment = datetime.fromisoformat(now).replace(tzinfo=TZ) if now else datetime.now(TZ)
    except ValueError:
        err.print(f"--now {now!r} không đúng dạng ISO (ví dụ 2025-09-24T07:00).")
        raise typer.Exit(2) from None
    recorded = recorded_runs(c.id)
    table = Table(title=f"Lịch lô việc: {c.title}")
    for col in ("Thời điểm", "Giai đoạn", "Lý do", "Trạng thái"):
        table.add_column(col)
    for run in calendar(c, hour):
        table.add_row(run.at.strftime("%d/%m/%Y %H:%M"), ", ".join(run.phases), "; ".join(run.reasons),
                      describe(run, moment, timedelta(hours=grace_hours), recorded))
    console.print(table)
    console.print(f"Chạy lịch: STUDIO_CAMPAIGN={campaign} STUDIO_GRACE_HOURS={grace_hours:g} "
                  f"STUDIO_SCHEDULE_HOUR={hour} celery -A jobs beat", markup=False)


@batch_app.command("submit")
def submit_cmd(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
               phase: Optional[str] = typer.Option(None, help="Chỉ một giai đoạn (và các giai đoạn con)"),
               out: Path = typer.Option(Path("outputs"), help="Thư mục đầu ra (dùng chung với các worker)"),
               storage: Optional[str] = typer.Option(None, help="Kho dùng chung để tải sản phẩm lên "
                                                                "(s3://… hoặc thư mục)"),
               publish_to: Optional[str] = typer.Option(None, "--publish-to",
                                                        help="Xuất bản (như studio publish) tới đích này "
                                                             "sau khi ghi manifest"),
               key: Path = typer.Option(Path("keys/province.key"), help="Khóa bí mật ký manifest khi xuất bản"),
               wait: bool = typer.Option(False, "--wait", help="Chờ lô xong và in kết quả")):
    """Gửi lô việc của một giai đoạn tới các Celery worker."""
    from jobs.submit import submit, submit_and_wait

    c = load_or_exit(campaign)
    ids = phase_ids(c, phase)
    if publish_to and not key.is_file():
        err.print(f"Không thấy khóa {key}: tạo bằng studio keys init, hoặc chỉ rõ --key.")
        raise typer.Exit(2)
    if wait:
        raise typer.Exit(submit_and_wait(c, out, ids, {}, console, storage, publish_to, key))
    with server_errors():
        batch_id, report = submit(c, out, ids, {}, storage, publish_to, key)
    console.print(f"Đã gửi lô {batch_id}: {report.planned - report.reused - sum(report.unsupported.values())} "
                  f"việc cần tạo, {report.reused} giữ nguyên. Xem: studio batch status {batch_id}", markup=False)
    typer.echo(batch_id)


@batch_app.command("status")
def status(batch_id: str = typer.Argument(..., help="Mã lô (in ra khi gửi lô)")):
    """Tình trạng một lô: xong / lỗi / đang chờ theo từng kênh, và danh sách lỗi."""
    with server_errors():
        _status(batch_id)


def _status(batch_id: str) -> None:
    from jobs import batch
    from jobs.submit import failures

    meta = batch.meta(batch_id)
    if meta is None:
        err.print(f"Không tìm thấy lô {batch_id!r} (lô cũ hơn 30 ngày bị xóa). Xem các lô gần đây: studio batch list")
        raise typer.Exit(2)
    states = {"queued": "đang chờ", "writing": "đang ghi manifest", "publishing": "đang xuất bản",
              "finished": "đã xong", "failed": "thất bại"}
    console.print(f"Lô {batch_id} — chiến dịch {meta['campaign']}, giai đoạn {', '.join(meta['phases'])}: "
                  f"{states.get(meta['state'], meta['state'])}. Giữ nguyên {meta['reused']} sản phẩm đã có.",
                  markup=False)
    kept: dict[str, set] = {}
    for arts in batch.kept(batch_id).values():
        for art in arts:
            kept.setdefault(art["channel"], set()).add(art["job"])
    counts_by_channel = batch.summary(batch_id)
    table = Table()
    for col in ("Kênh", "Xong", "Lỗi", "Đang chờ", "Giữ nguyên (đã có)"):
        table.add_column(col)
    for channel in sorted(set(counts_by_channel) | set(kept)):
        counts = counts_by_channel.get(channel, {})
        pending = sum(n for s, n in counts.items() if s not in batch.FINAL)
        table.add_row(channel, str(counts.get(batch.DONE, 0)), str(counts.get(batch.FAILED, 0)), str(pending),
                      str(len(kept.get(channel, ()))))
    console.print(table)
    for f in failures(batch_id):
        console.print(f"LỖI {f['job']} (tin bài {f['brief'] or '—'}, định dạng {f['format']}, đơn vị {f['unit']}): "
                      f"{f['error']}", style="red", markup=False)
    if meta.get("error"):
        console.print(f"Lỗi của lô: {meta['error']}", style="red", markup=False)
    for path in meta.get("manifests", []):
        console.print(f"Manifest: {path}", markup=False)
    if meta["state"] == "failed" or meta.get("failures"):
        raise typer.Exit(1)


@batch_app.command("list")
def list_batches(limit: int = typer.Option(20, help="Số lô gần nhất")):
    """Các lô gần đây."""
    from jobs import batch

    with server_errors():
        ids = batch.recent(limit)
        metas = {batch_id: batch.meta(batch_id) or {} for batch_id in ids}
    for batch_id, meta in metas.items():
        console.print(f"{batch_id}  {meta.get('campaign', '?')}  {','.join(meta.get('phases', []))}  "
                      f"{meta.get('state', 'đã hết hạn')}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
    app.add_typer(batch_app, name="batch")
