"""CLI for batch jobs: ``studio schedule``, ``studio batch submit|status|list``."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from .. import vi
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
        table.add_column(col, no_wrap=col == "Thời điểm")  # "6h00 ngày 24/09/2025" on one line
    for run in calendar(c, hour):
        table.add_row(vi.date_time(run.at), ", ".join(run.phases), "; ".join(run.reasons),
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
               base_url: Optional[str] = typer.Option(None, "--base-url", help="Như studio publish --base-url: "
                                                      "địa chỉ công khai của đích xuất bản, cho podcast"),
               local_feeds: bool = typer.Option(False, "--local-feeds", help="Như studio publish --local-feeds"),
               wait: bool = typer.Option(False, "--wait", help="Chờ lô xong và in kết quả")):
    """Gửi lô việc của một giai đoạn tới các Celery worker."""
    from jobs.submit import submit, submit_and_wait

    c = load_or_exit(campaign)
    ids = phase_ids(c, phase)
    if publish_to and not key.is_file():
        err.print(f"Không thấy khóa {key}: tạo bằng studio keys init, hoặc chỉ rõ --key.")
        raise typer.Exit(2)
    feeds = {"base_url": base_url, "local_feeds": local_feeds}
    if wait:
        raise typer.Exit(submit_and_wait(c, out, ids, {}, console, storage, publish_to, key, feeds))
    with server_errors():
        batch_id, report = submit(c, out, ids, {}, storage, publish_to, key, publish_options=feeds)
    console.print(f"Đã gửi lô {batch_id}: {report.planned - report.reused - sum(report.unsupported.values())} "
                  f"việc cần tạo, {report.reused} giữ nguyên. Xem: studio batch status {batch_id}", markup=False)
    typer.echo(batch_id)


def _out_option(out: Optional[Path]) -> Path:
    """The output folder a batch wrote to: ``--out``, or ``STUDIO_OUT`` (where beat's batches write)."""
    from jobs.settings import Settings

    return out or Path(Settings.from_env().out)


OUT_HELP = "Thư mục đầu ra của lô (nơi giữ bản sao hồ sơ lô); mặc định STUDIO_OUT hoặc outputs"


@batch_app.command("status")
def status(batch_id: str = typer.Argument(..., help="Mã lô (in ra khi gửi lô)"),
           out: Optional[Path] = typer.Option(None, help=OUT_HELP)):
    """Tình trạng một lô: xong / lỗi / đang chờ theo giai đoạn và kênh, việc chậm nhất, lỗi theo tin bài và
    định dạng, số việc của từng worker."""
    with server_errors():
        _status(batch_id, _out_option(out))


def _status(batch_id: str, out: Path) -> None:
    from jobs import batch
    from jobs.submit import SERVER_ERRORS, failures, server_problem

    unreachable = None
    try:
        meta = batch.meta(batch_id)
    except SERVER_ERRORS as exc:  # the folder's copy may still tell something
        meta, unreachable = None, exc
    if meta is not None:
        kept, states = batch.kept(batch_id), batch.jobs(batch_id)
        said = batch.STATE_WORDS.get(meta["state"], meta["state"])
    else:
        saved = batch.from_folder(out, batch_id)
        if saved is None and unreachable:
            raise unreachable
        if saved is None:
            err.print(f"Không tìm thấy lô {batch_id!r}: Redis không có hồ sơ của lô này, thư mục đầu ra {out} "
                      f"cũng không ({batch.folder(out, batch_id)}). Nếu lô ghi vào thư mục khác, thêm --out THƯ_MỤC. "
                      "Xem các lô gần đây: studio batch list", markup=False)
            raise typer.Exit(2)
        meta, kept, states = saved["meta"], saved["kept"], saved["jobs"]
        counts = Counter(j["state"] for j in states.values())
        open_jobs = sum(n for s, n in counts.items() if s not in batch.FINAL)
        ended = meta["state"] in ("finished", "failed")
        words = batch.STATE_WORDS.get(meta["state"], meta["state"])
        last = f"lô {words}" if ended else f"lô chưa xong (trạng thái ghi lần cuối: {words})"
        why = ("Redis không trả lời" if unreachable
               else "không còn hồ sơ trong Redis (Redis đã khởi động lại hoặc bị xóa dữ liệu?)")
        said = (f"{why}; hồ sơ trong thư mục đầu ra ({batch.folder(out, batch_id)}) cho thấy {last}, "
                f"{counts[batch.DONE]}/{len(states)} việc xong, {counts[batch.FAILED]} lỗi, {open_jobs} chưa xong")
        if unreachable:  # the batch may well go on once Redis answers again
            meta = {**meta, "error": server_problem(unreachable)}
        elif not ended:
            meta = {**meta, "state": "failed", "error": (
                f"lô không thể tự hoàn tất khi Redis đã mất hồ sơ (hàng đợi và bộ đếm của lô mất theo), chưa ghi "
                f"manifest. Chạy tiếp: studio batch resume {batch_id} --out {out} (chỉ tạo phần còn thiếu; việc "
                f"đã xong được giữ nhờ nhật ký việc)")}
    console.print(f"Lô {batch_id} — chiến dịch {meta['campaign']}, giai đoạn {', '.join(meta['phases'])}: "
                  f"{said}. Giữ nguyên {meta['reused']} sản phẩm đã có.", markup=False)
    show_view(batch.view(states, kept), failures(states))
    if meta.get("error"):
        console.print(f"Lỗi của lô: {meta['error']}", style="red", markup=False)
    if meta.get("warning"):
        console.print(f"Lưu ý: {meta['warning']}", style="yellow", markup=False)
    for path in meta.get("manifests", []):
        console.print(f"Manifest: {path}", markup=False)
    if unreachable:
        raise typer.Exit(2)
    if meta["state"] == "failed" or meta.get("failures"):
        raise typer.Exit(1)


FAILURE_LINES = 20  # every failure is in the grouped table; the first ones are also printed in full


def _cells(*values) -> list[Text]:
    """Table cells as plain text: an error message or a worker name is never read as Rich markup."""
    return [Text(str(v)) for v in values]


def show_view(view: dict, failed: list[dict]) -> None:
    """The operator's view of a batch (``jobs.batch.view``): progress per phase and channel, the slowest
    jobs, failures by brief and format, and the work per worker; then the first failures in full."""
    table = Table(title="Tiến độ theo giai đoạn và kênh")
    for col in ("Giai đoạn", "Kênh", "Xong", "Lỗi", "Đang chờ", "Giữ nguyên (đã có)"):
        table.add_column(col)
    for row in view["progress"]:
        table.add_row(*_cells(row["phase"], row["channel"], *(row[k] for k in ("done", "failed", "pending", "kept"))))
    console.print(table)
    if view["slowest"]:
        table = Table(title="Việc chậm nhất")
        for col in ("Việc", "Giây", "Worker"):
            table.add_column(col, overflow="fold")
        for job in view["slowest"]:
            table.add_row(*_cells(job["job"], vi.number(job["seconds"], 1), job["worker"] or "—"))
        console.print(table)
    if view["failures"]:
        table = Table(title="Lỗi theo tin bài và định dạng")
        for col in ("Tin bài", "Định dạng", "Số việc lỗi", "Đơn vị", "Lỗi (việc đầu tiên)"):
            table.add_column(col, overflow="fold")
        for group in view["failures"]:
            units = ", ".join(group["units"][:5]) + (f" và {len(group['units']) - 5} đơn vị khác"
                                                     if len(group["units"]) > 5 else "")
            table.add_row(*_cells(group["brief"] or "—", group["format"], group["count"], units, group["error"]))
        console.print(table)
    if view["workers"]:
        table = Table(title="Worker (máy)")
        for col in ("Worker", "Số việc", "Tổng giây"):
            table.add_column(col)
        for w in view["workers"]:
            table.add_row(*_cells(w["worker"], w["jobs"], vi.number(w["seconds"], 1)))
        console.print(table)
    for f in failed[:FAILURE_LINES]:
        console.print(f"LỖI {f['job']} (tin bài {f['brief'] or '—'}, định dạng {f['format']}, đơn vị {f['unit']}): "
                      f"{f['error']}", style="red", markup=False)
    if len(failed) > FAILURE_LINES:
        console.print(f"… và {len(failed) - FAILURE_LINES} lỗi khác (xem bảng lỗi theo tin bài và định dạng).",
                      style="red", markup=False)


@batch_app.command("resume")
def resume_cmd(batch_id: str = typer.Argument(..., help="Mã lô"),
               out: Optional[Path] = typer.Option(None, help=OUT_HELP)):
    """Chạy tiếp một lô mà Redis đã mất (khởi động lại) hoặc đã thất bại: chỉ tạo phần còn thiếu."""
    from jobs import batch
    from jobs.submit import resume

    out = _out_option(out)
    with server_errors():
        meta = batch.meta(batch_id)
        if meta is not None and meta["state"] != "failed":
            verb = ("đã xong" if meta["state"] == "finished"
                    else f"vẫn đang chạy ({batch.STATE_WORDS.get(meta['state'])})")
            err.print(f"Lô {batch_id} {verb} theo hồ sơ trong Redis: không chạy tiếp. "
                      f"Xem: studio batch status {batch_id}", markup=False)
            raise typer.Exit(0 if meta["state"] == "finished" else 2)
        saved = meta or (batch.from_folder(out, batch_id) or {}).get("meta")
        if saved is None:
            err.print(f"Không tìm thấy lô {batch_id!r} trong Redis hay trong thư mục đầu ra {out}; "
                      "gửi lô mới bằng studio batch submit (chỉ phần còn thiếu được tạo).", markup=False)
            raise typer.Exit(2)
        report = resume(load_or_exit(Path(saved["campaign_root"])), saved)
    console.print(f"Đã gửi lại lô {batch_id}: {report.planned - report.reused - sum(report.unsupported.values())} "
                  f"việc cần tạo, {report.reused} giữ nguyên (kể cả việc đã xong trước đó). "
                  f"Xem: studio batch status {batch_id}", markup=False)


@batch_app.command("list")
def list_batches(limit: int = typer.Option(20, help="Số lô gần nhất"),
                 out: Optional[Path] = typer.Option(None, help=OUT_HELP)):
    """Các lô gần đây (trong Redis, và những lô chỉ thư mục đầu ra còn giữ hồ sơ)."""
    from jobs import batch

    out = _out_option(out)
    with server_errors():
        ids = batch.recent(limit)
        metas = {batch_id: batch.meta(batch_id) for batch_id in ids}
    for batch_id in batch.saved_batches(out)[:limit]:
        if metas.get(batch_id) is None:
            saved = batch.from_folder(out, batch_id)
            metas[batch_id] = saved and {**saved["meta"], "state": f"{saved['meta']['state']} "
                                                                    "(chỉ còn hồ sơ trong thư mục đầu ra)"}
    for batch_id in sorted(metas, reverse=True)[:limit]:
        meta = metas[batch_id] or {}
        console.print(f"{batch_id}  {meta.get('campaign', '?')}  {','.join(meta.get('phases', []))}  "
                      f"{meta.get('state', 'đã hết hạn')}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
    app.add_typer(batch_app, name="batch")
