"""CLI: ``studio publish``, ``keys init``, ``verify``, ``access``, ``pull``.

Every failure a user can cause (wrong key, wrong credentials, server down, tampered
file) ends as one Vietnamese message and exit code 1, never a traceback.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from .. import vi
from ..publish.freshness import VALID_DAYS
from ..publish.publish import MAX_DELETE
from .common import load_or_exit, phase_ids

console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

DEFAULT_KEYS = Path("keys")
DEFAULT_TARGET = "published"
KEPT_EXIT = 3  # published, but some files are still the previous version (missing from the build)


@contextmanager
def user_errors():
    from ..locks import Busy
    from ..publish import PublishError
    from ..publish.signing import SignatureError
    from ..storage import StorageError

    try:
        yield
    except (PublishError, StorageError, SignatureError, FileExistsError) as exc:
        err.print(f"LỖI: {exc}", style="red", markup=False)
        raise typer.Exit(1) from None
    except Busy as exc:  # another build or publish is writing the folder
        err.print(f"LỖI: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None


def s3_options(endpoint_url: str | None, region: str | None, profile: str | None) -> dict:
    return {k: v for k, v in {"endpoint_url": endpoint_url, "region": region, "profile": profile}.items() if v}


EndpointOpt = typer.Option(None, "--endpoint-url", help="Máy chủ S3 (SeaweedFS, MinIO…); mặc định AWS_ENDPOINT_URL")
RegionOpt = typer.Option(None, "--region", help="Vùng S3; mặc định AWS_REGION hoặc us-east-1")
ProfileOpt = typer.Option(None, "--profile", help="Hồ sơ AWS (~/.aws/credentials); mặc định AWS_PROFILE")


def register(app: typer.Typer) -> None:
    @app.command()
    def publish(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
                phase: str = typer.Option(..., help="Giai đoạn cần xuất bản (kèm các giai đoạn con)"),
                to: Optional[str] = typer.Option(None, help="Đích: s3://bucket/tiền-tố, thư mục, hoặc mã kho trong "
                                                            f"campaign.yaml (mặc định: {DEFAULT_TARGET}/)"),
                out: Path = typer.Option(Path("outputs"), help="Thư mục build"),
                include_drafts: bool = typer.Option(False, "--include-drafts",
                                                    help="Đưa cả bản chưa duyệt vào tiền tố drafts/ riêng"),
                key: Path = typer.Option(DEFAULT_KEYS / "province.key", help="Khóa bí mật ký manifest"),
                by: Optional[str] = typer.Option(None, help="Người xuất bản (ghi vào nhật ký)"),
                base_url: Optional[str] = typer.Option(None, help="Địa chỉ công khai của kho cho podcast/index"),
                presign: bool = typer.Option(False, "--presign",
                                             help="Podcast trỏ tới liên kết S3 có chữ ký (7 ngày, ký lại mỗi lần "
                                                  "xuất bản) thay cho địa chỉ công khai"),
                public_read: bool = typer.Option(False, "--public-read",
                                                 help="Cho mọi người đọc tệp đã xuất bản, trang và podcast của các "
                                                      "đơn vị (bucket policy S3), podcast trỏ tới địa chỉ thường; "
                                                      "như public_read: true của kho trong campaign.yaml"),
                local_feeds: bool = typer.Option(False, "--local-feeds",
                                                 help="Cho phép podcast trỏ tới tệp trên máy này (file://)"),
                workers: int = typer.Option(2, help="Số luồng tải lên (máy chủ ở xa: tăng lên)"),
                dry_run: bool = typer.Option(False, "--dry-run",
                                             help="Chỉ liệt kê tệp sẽ tải lên, giữ lại và xóa; không thay đổi gì"),
                allow_delete: bool = typer.Option(False, "--allow-delete",
                                                  help="Cho phép xóa nhiều hơn ngưỡng --max-delete (bản tin bị rút)"),
                max_delete: float = typer.Option(MAX_DELETE * 100, "--max-delete", min=0, max=100,
                                                 help="Ngưỡng xóa (% số tệp của giai đoạn) cần --allow-delete"),
                valid_days: int = typer.Option(VALID_DAYS, "--valid-days", min=1,
                                               help="Số ngày manifest còn hiệu lực (quá hạn: bên nhận được cảnh báo)"),
                replace_newer: bool = typer.Option(False, "--replace-newer",
                                                   help="Thay cả manifest mới hơn do nơi khác xuất bản"),
                endpoint_url: Optional[str] = EndpointOpt, region: Optional[str] = RegionOpt,
                profile: Optional[str] = ProfileOpt):
        """Tải lên những gì đã build và đã duyệt; manifest có chữ ký được ghi sau cùng. Chỉ xóa tệp của
        bản tin đã bị rút; tệp thiếu trong bản build mà bản tin vẫn được duyệt thì giữ bản đã xuất bản
        (cảnh báo, mã thoát 3)."""
        from ..publish.publish import publish as run_publish

        c = load_or_exit(campaign)
        ids = phase_ids(c, phase)
        options = s3_options(endpoint_url, region, profile)
        target = to or DEFAULT_TARGET
        for stored in c.storage:
            if stored.id == target:
                target, public_read = stored.url, public_read or stored.public_read  # publish_phase reads it too
                options = {**s3_options(stored.endpoint_url, stored.region, None), **options}
        if presign and public_read:
            err.print("Chọn một trong hai: --presign (liên kết có hạn) hoặc đọc công khai (--public-read / "
                      "public_read: true của kho).", markup=False)
            raise typer.Exit(2)
        with user_errors():
            reports = run_publish(c, ids, out, target, key, include_drafts=include_drafts, by=by,
                                  storage_options=options, base_url=base_url,
                                  feed_links="presign" if presign else "public-read" if public_read else "public",
                                  local_feeds=local_feeds,
                                  workers=workers, dry_run=dry_run,
                                  allow_delete=allow_delete, max_delete=max_delete / 100, valid_days=valid_days,
                                  replace_newer=replace_newer)
        for r in reports:
            label = "bản nháp" if r.status == "draft" else "đã duyệt"
            if r.dry_run:
                for path in r.uploaded:
                    console.print(f"SẼ TẢI LÊN: {path}", markup=False)
            for path in r.removed:
                console.print(f"{'SẼ XÓA' if r.dry_run else 'ĐÃ XÓA'} (bản tin đã bị rút): {path}", markup=False)
            for path in r.kept:
                err.print(f"GIỮ BẢN ĐÃ XUẤT BẢN (thiếu trong bản build, bản tin vẫn được duyệt): {path}",
                          style="yellow", markup=False)
            for warning in r.warnings:
                err.print(f"CẢNH BÁO: {warning}", style="yellow", markup=False)
            verb = "sẽ tải lên" if r.dry_run else "tải lên"
            console.print(f"{r.phase} ({label}) → {r.target}: {r.artifacts} tệp, {verb} {len(r.uploaded)} "
                          f"({r.bytes_uploaded / 1e6:.1f} MB), giữ nguyên {r.skipped}, "
                          f"{'sẽ xóa' if r.dry_run else 'xóa'} {len(r.removed)}"
                          + (f", giữ bản cũ {len(r.kept)}" if r.kept else "")
                          + (f", chưa duyệt nên không xuất bản {len(r.held_back)}" if r.held_back else "")
                          + (" — THỬ, chưa thay đổi gì" if r.dry_run else f"; manifest bản số {r.sequence}"),
                          markup=False)
        kept = sum(len(r.kept) for r in reports)
        if kept and not dry_run:
            err.print(f"CHƯA ĐỦ: {kept} tệp thiếu trong bản build nên vẫn phát bản đã xuất bản trước; xem lỗi của "
                      f"studio build (status.json), sửa rồi build và xuất bản lại.", style="bold yellow", markup=False)
            raise typer.Exit(KEPT_EXIT)

    keys_app = typer.Typer(help="Khóa ký số của tỉnh.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")

    @keys_app.command("init")
    def keys_init(folder: Path = typer.Option(DEFAULT_KEYS, "--dir", help="Thư mục lưu khóa"),
                  force: bool = typer.Option(False, "--force", help="Thay khóa đang có")):
        """Tạo cặp khóa Ed25519 của tỉnh: province.key (bí mật, quyền 600) và province.pub (gửi các đơn vị)."""
        from ..publish.signing import init_keys, key_id, load_public

        with user_errors():
            private, public = init_keys(folder, force)
        console.print(f"Đã tạo {private} (giữ bí mật) và {public} (gửi cho các huyện, xã). "
                      f"Mã khóa: {key_id(load_public(public))}", markup=False)

    @app.command()
    def verify(location: str = typer.Argument(..., help="Thư mục hoặc s3://… của một giai đoạn "
                                                        "(…/<chiến-dịch>/<giai-đoạn>)"),
               key: Path = typer.Option(DEFAULT_KEYS / "province.pub", help="Khóa công khai của tỉnh"),
               unit: Optional[str] = typer.Option(None, help="Chỉ kiểm tra tệp của một đơn vị"),
               endpoint_url: Optional[str] = EndpointOpt, region: Optional[str] = RegionOpt,
               profile: Optional[str] = ProfileOpt):
        """Kiểm tra chữ ký manifest, số bản (không nhận bản cũ hơn bản đã thấy) và mã băm từng tệp; nêu tên tệp
        bị sửa, thêm, mất, hoặc đã tải lên mà chưa xuất bản."""
        from ..publish.signing import load_public
        from ..publish.verify import verify as run_verify

        with user_errors():
            report = run_verify(location, load_public(key), unit, s3_options(endpoint_url, region, profile))
        if report.signature_error:
            err.print(f"CHỮ KÝ: {report.signature_error}", style="red", markup=False)
        if report.sequence_error:
            err.print(f"BẢN CŨ: {report.sequence_error}", style="red", markup=False)
        for label, paths in (("BỊ SỬA", report.altered), ("THÊM VÀO (không có trong manifest)", report.added),
                             ("BỊ MẤT", report.removed)):
            for path in paths:
                err.print(f"{label}: {path}", style="red", markup=False)
        for path in report.unpublished:
            console.print(f"CHƯA XUẤT BẢN (đã tải lên, chưa có trong manifest đã ký — lần xuất bản bị ngắt, chạy lại "
                          f"studio publish): {path}", markup=False)
        for warning in report.warnings:
            err.print(f"CẢNH BÁO: {warning}", style="yellow", markup=False)
        if not report.ok:
            err.print(f"KHÔNG ĐẠT: {location} — không dùng để phát.", style="bold red", markup=False)
            raise typer.Exit(1)
        until = f", hiệu lực tới {vi.date_time(report.valid_until)}" if report.valid_until else ""
        console.print(f"ĐẠT: chữ ký hợp lệ, manifest bản số {report.sequence}{until}, {report.checked} tệp đúng "
                      f"mã băm ({location}).", markup=False)

    @app.command()
    def access(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
               bucket: str = typer.Option(..., help="Bucket S3 chứa bản xuất bản"),
               prefix: str = typer.Option("", help="Tiền tố trong bucket (nếu xuất bản vào s3://bucket/tiền-tố)"),
               out: Path = typer.Option(Path("access"), help="Thư mục ghi khóa và chính sách"),
               account: str = typer.Option("123456789012", help="Mã tài khoản AWS cho bucket policy"),
               links: Optional[str] = typer.Option(None, help="Tạo liên kết tải có hạn cho một giai đoạn: "
                                                              "s3://bucket/…/<chiến-dịch>/<giai-đoạn>"),
               expires: int = typer.Option(7 * 24 * 3600, help="Thời hạn liên kết (giây)"),
               endpoint_url: Optional[str] = EndpointOpt, region: Optional[str] = RegionOpt,
               profile: Optional[str] = ProfileOpt):
        """Tạo khóa chỉ đọc cho từng huyện, xã (tệp SeaweedFS s3.config, bucket policy S3) và liên kết có hạn."""
        from ..artifacts import atomic_write_text
        from ..publish import open_location, split_phase_url
        from ..publish.access import presigned_links, write_access
        from ..publish.signing import loads

        c = load_or_exit(campaign)
        with user_errors():
            written = write_access(c, out, bucket, prefix, endpoint_url, account)
            console.print(f"Đã ghi {written[0]} (SeaweedFS -s3.config), {written[1]} (bucket policy cho các huyện), "
                          f"{written[2]} (chính sách IAM từng đơn vị) và {len(written) - 3} tệp khóa trong "
                          f"{out / 'credentials'} (quyền 600).", markup=False)
            if links:
                base, phase = split_phase_url(links)
                storage = open_location(base, **s3_options(endpoint_url, region, profile))
                manifest = loads(storage.get_bytes(f"{phase}/manifest.json"))
                data = presigned_links(storage, manifest, expires)
                path = atomic_write_text(out / f"links-{phase}.json", json.dumps(data, ensure_ascii=False, indent=1))
                console.print(f"Đã ghi {path}: liên kết tải cho {len(data['units'])} đơn vị, hết hạn "
                              f"{data['expires_at']}.", markup=False)

    @app.command()
    def pull(dest: Path = typer.Argument(..., help="Thư mục nhận tệp (chỉ chứa tệp đã kiểm tra)"),
             unit: str = typer.Option(..., help="Mã đơn vị (huyện hoặc xã) của bạn"),
             source: str = typer.Option(..., "--from", help="Địa chỉ giai đoạn: s3://bucket/…/<chiến-dịch>/<giai-đoạn>"),
             key: Optional[Path] = typer.Option(None, help="Khóa công khai của tỉnh (province.pub); lần sau có thể bỏ"),
             endpoint_url: Optional[str] = EndpointOpt, region: Optional[str] = RegionOpt,
             profile: Optional[str] = ProfileOpt):
        """Tải tệp của đơn vị mình (cả pa nô của huyện, tệp của các xã trực thuộc), kiểm tra chữ ký và mã băm;
        chạy lại để tiếp tục khi bị ngắt."""
        from ..publish.pull import pull as run_pull

        with user_errors():
            report = run_pull(source, unit, dest, key,
                              storage_options=s3_options(endpoint_url, region, profile))
        if not report.files:
            console.print(f"Không có tệp nào cho đơn vị {unit} trong giai đoạn {report.phase}.", markup=False)
            return
        for warning in report.warnings:
            err.print(f"CẢNH BÁO: {warning}", style="yellow", markup=False)
        console.print(f"ĐÃ KIỂM TRA: {len(report.files)} tệp của {unit} ({report.phase}) trong {dest}: "
                      f"tải mới {report.downloaded} ({report.bytes / 1e6:.1f} MB), đã có {report.already}.",
                      markup=False)
