"""``studio serve`` and ``studio web token|tokens|revoke``: the portal and its access tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .common import CampaignArg, console, err, load_or_exit

DEFAULT_PUBLIC_KEY = Path("keys") / "province.pub"
StateOpt = typer.Option(None, "--state", help="Thư mục lưu mã truy cập, khóa phiên, nhật ký "
                                              "(mặc định <chiến dịch>/.studio-web)")


def _settings(state: Path | None, **kw):
    from ..web import Settings

    return Settings(state_dir=state, **kw)


def register(app: typer.Typer) -> None:
    web = typer.Typer(help="Cổng thông tin web: mã truy cập cho đơn vị và cán bộ thiết kế.", no_args_is_help=True)
    app.add_typer(web, name="web")

    @app.command()
    def serve(campaign: Path = CampaignArg,
              storage: Optional[str] = typer.Option(None, help="Kho đọc sản phẩm: thư mục hoặc s3://bucket/tiền-tố "
                                                                "(mặc định: kho đầu tiên trong campaign.yaml)"),
              host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe"),
              port: int = typer.Option(8080, help="Cổng"),
              state: Optional[Path] = StateOpt,
              session_hours: float = typer.Option(8.0, help="Phiên đăng nhập hết hạn sau số giờ này"),
              secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Cookie chỉ gửi qua HTTPS"),
              public_key: Optional[Path] = typer.Option(None, help="Khóa công khai của tỉnh (province.pub) để kiểm "
                                                                     "tra chữ ký manifest (mặc định keys/province.pub "
                                                                     "nếu có)")):
        """Chạy cổng thông tin web cho đơn vị (nghe, tải bản tin) và cán bộ thiết kế (xem, duyệt)."""
        import uvicorn

        from ..publish.signing import SignatureError
        from ..storage import StorageError
        from ..web import create_app

        c = load_or_exit(campaign)
        if public_key is None and DEFAULT_PUBLIC_KEY.is_file():  # where `studio keys init` puts it
            public_key = DEFAULT_PUBLIC_KEY
        if public_key and not public_key.is_file():
            err.print(f"Không có tệp khóa công khai {public_key}.")
            raise typer.Exit(2)
        try:
            application = create_app(c, storage, _settings(state, session_hours=session_hours,
                                                           secure_cookies=secure_cookies, public_key=public_key))
        except (StorageError, SignatureError, ValueError) as exc:
            err.print(f"Không mở được kho sản phẩm hoặc khóa công khai: {exc}")
            raise typer.Exit(2) from None
        if not application.state.tokens.records():
            err.print(f"Chưa có mã truy cập nào. Tạo bằng: studio web token {campaign} --unit MÃ-ĐƠN-VỊ "
                      f"hoặc --designer --name \"Họ tên\"", style="yellow")
        console.print(f"Cổng thông tin: http://{host}:{port}/  (Ctrl+C để dừng)")
        uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False,
                    timeout_keep_alive=20)  # idle keep-alive: longer than the 5 s default, for slow phones

    @web.command("token")
    def token(campaign: Path = CampaignArg,
              unit: Optional[str] = typer.Option(None, help="Mã đơn vị (xã, phường, huyện) nhận mã truy cập"),
              designer: bool = typer.Option(False, "--designer",
                                            help="Mã cho cán bộ thiết kế cấp tỉnh (xem tất cả, duyệt tin bài)"),
              name: Optional[str] = typer.Option(None, help="Tên người hoặc bộ phận giữ mã (ghi vào nhật ký duyệt)"),
              feed: bool = typer.Option(False, "--feed", help="Địa chỉ podcast riêng của đơn vị (mã nằm trong địa "
                                                              "chỉ, dùng cho ứng dụng podcast, không đăng nhập được)"),
              state: Optional[Path] = StateOpt):
        """Cấp một mã truy cập mới; mã chỉ hiện một lần, kho chỉ lưu mã băm."""
        from ..publish.publish import who
        from ..text import nfc
        from ..web import issue_token

        c = load_or_exit(campaign)
        tree = c.unit_tree()
        if designer == bool(unit):
            err.print("Chọn đúng một trong hai: --unit MÃ-ĐƠN-VỊ (cán bộ đơn vị) hoặc --designer (cán bộ thiết kế).")
            raise typer.Exit(2)
        if designer:
            if not name:
                err.print("Mã cho cán bộ thiết kế cần --name \"Họ tên, đơn vị\" để ghi ai đã duyệt tin bài.")
                raise typer.Exit(2)
            unit_id, role = tree.root.id, "designer"
        else:
            if unit not in tree:
                err.print(f"Không có đơn vị {unit!r} trong {c.units_file}. Xem danh sách mã trong tệp đó.")
                raise typer.Exit(2)
            unit_id, role = unit, "feed" if feed else "operator"
        holder = nfc(name or tree[unit_id].display_name)
        record, plain = issue_token(Path(c.root), _settings(state), unit_id, role, holder,
                                    {"by": who(), "via": "studio web token"})
        console.print(f"Đã cấp mã {record.id} cho {holder} ({'thiết kế' if designer else tree[unit_id].display_name}).")
        if role == "feed":
            console.print("Địa chỉ podcast (chỉ hiện lần này; ghép sau địa chỉ cổng thông tin, thu hồi bằng "
                          "studio web revoke):")
            typer.echo(f"/nguon/{plain}/{unit_id}/podcast.xml")
            return
        console.print("Mã truy cập (chỉ hiện lần này, gửi riêng cho người dùng):")
        typer.echo(plain)

    @web.command("tokens")
    def tokens(campaign: Path = CampaignArg, state: Optional[Path] = StateOpt):
        """Liệt kê các mã truy cập đã cấp (không hiện mã)."""
        from ..web import tokens_for

        c = load_or_exit(campaign)
        table = Table()
        for col in ("Mã", "Vai trò", "Đơn vị", "Người giữ", "Cấp lúc"):
            table.add_column(col)
        for r in tokens_for(Path(c.root), _settings(state)).records():
            role = {"designer": "thiết kế", "feed": "podcast"}.get(r.role, "đơn vị")
            table.add_row(r.id, role, r.unit, r.name, r.created)
        console.print(table)

    @web.command("revoke")
    def revoke(campaign: Path = CampaignArg, token_id: str = typer.Argument(..., help="Mã (cột Mã của web tokens)"),
               state: Optional[Path] = StateOpt):
        """Thu hồi một mã truy cập; mọi phiên đăng nhập bằng mã đó hết hiệu lực ngay."""
        from ..web import tokens_for

        c = load_or_exit(campaign)
        if not tokens_for(Path(c.root), _settings(state)).revoke(token_id):
            err.print(f"Không có mã {token_id!r}.")
            raise typer.Exit(2)
        console.print(f"Đã thu hồi mã {token_id}.")
