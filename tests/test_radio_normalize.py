"""Spoken-form Vietnamese: the plan's own sentences and the issue's list, read as words."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from studio.radio.normalize import ABBREVIATIONS, SpokenForm, spoken

Y2025 = "hai nghìn không trăm hai mươi lăm"
Y2030 = "hai nghìn không trăm ba mươi"
Y2020 = "hai nghìn không trăm hai mươi"

# (written, fragments that must appear in the spoken form)
CASES = [
    # numbers with Vietnamese separators
    ("Có 65.000 người tham gia.", ["sáu mươi lăm nghìn người"]),
    ("Tăng trưởng 8,5% mỗi năm.", ["tám phẩy năm phần trăm mỗi năm"]),
    ("Tăng trưởng kinh tế bình quân: 8,5 %/năm.", ["tám phẩy năm phần trăm mỗi năm"]),
    ("Thu nhập bình quân 78,5 triệu đồng.", ["bảy mươi tám phẩy năm triệu đồng"]),
    ("Tỷ lệ hộ nghèo giảm còn 2,9%.", ["hai phẩy chín phần trăm"]),
    ("Ý kiến góp ý văn kiện: 12.500 ý kiến.", ["mười hai nghìn năm trăm ý kiến"]),
    ("Tổng vốn 1.234.567 đồng.", ["một triệu hai trăm ba mươi bốn nghìn năm trăm sáu mươi bảy đồng"]),
    ("Công trình chào mừng Đại hội: 150 công trình.", ["một trăm năm mươi công trình"]),
    ("Đại biểu dự Đại hội: 350 đại biểu.", ["ba trăm năm mươi đại biểu"]),
    ("Tỉnh có 7 huyện, thành phố và 65 xã, phường, thị trấn.", ["bảy huyện", "sáu mươi lăm xã"]),
    ("Cá nhân tiêu biểu: 310 người.", ["ba trăm mười người"]),
    ("Qua 05 năm thực hiện Nghị quyết.", ["Qua năm năm thực hiện"]),
    ("Kỷ niệm 95 năm Ngày thành lập Đảng Cộng sản Việt Nam.", ["chín mươi lăm năm Ngày thành lập Đảng"]),
    ("50 năm Ngày giải phóng miền Nam, thống nhất đất nước.", ["năm mươi năm Ngày giải phóng"]),
    ("80 năm Cách mạng Tháng Tám.", ["tám mươi năm Cách mạng Tháng Tám"]),
    # dates
    ("Ngày 19/8/2024 khai mạc.", ["Ngày mười chín tháng tám năm hai nghìn không trăm hai mươi bốn"]),
    ("Trong tháng 7/2025 tổ chức.", [f"tháng bảy năm {Y2025}"]),
    ("Từ ngày 01/7/2025 sắp xếp đơn vị hành chính.", [f"ngày một tháng bảy năm {Y2025}"]),
    ("Quốc khánh 2/9.", ["Quốc khánh hai tháng chín"]),
    ("Đại hội diễn ra ngày 24-26/9/2025.", ["ngày hai mươi bốn đến ngày hai mươi sáu tháng chín"]),
    ("Kỷ niệm ngày 3/2/1930.", ["ngày ba tháng hai năm một nghìn chín trăm ba mươi"]),
    ("Năm 2025 có nhiều ngày lễ lớn.", [f"Năm {Y2025} có nhiều"]),
    ("Bắt đầu từ ngày 1/10.", ["ngày một tháng mười"]),
    # year ranges
    ("Nhiệm kỳ 2025-2030.", [f"Nhiệm kỳ {Y2025} đến {Y2030}"]),
    ("Thành tựu nhiệm kỳ 2020-2025.", [f"{Y2020} đến {Y2025}"]),
    ("Giai đoạn 2020–2025 (gạch ngang dài).", [f"{Y2020} đến {Y2025}"]),
    ("Đại hội đại biểu Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025-2030.",
     ["lần thứ mười lăm", f"{Y2025} đến {Y2030}"]),
    # times
    ("Phát bản tin lúc 7h30.", ["bảy giờ ba mươi phút"]),
    ("Phát bản tin từ 7h00 và 17h30.", ["từ bảy giờ và mười bảy giờ ba mươi phút"]),
    ("Họp lúc 14h.", ["mười bốn giờ"]),
    ("Khai mạc 8:00 sáng.", ["tám giờ"]),
    # roman numerals in context
    ("Đại hội Đảng bộ tỉnh lần thứ XV.", ["lần thứ mười lăm"]),
    ("Nghị quyết Đại hội XIV.", ["Đại hội mười bốn"]),
    ("Bước vào thế kỷ XXI.", ["thế kỷ hai mươi mốt"]),
    ("Đại hội đại biểu toàn quốc lần thứ XIV của Đảng.", ["lần thứ mười bốn của Đảng"]),
    ("Hội nghị lần thứ IV.", ["lần thứ tư"]),
    ("Đây là lần thứ I tổ chức.", ["lần thứ nhất"]),
    ("Quốc hội khóa XV.", ["khóa mười lăm"]),
    ("Ban Chấp hành khóa XIII.", ["khóa mười ba"]),
    ("Tại Kỳ họp thứ VIII.", ["thứ tám"]),
    ("Chương II của dự thảo.", ["Chương hai"]),
    # units
    ("Quãng đường dài 120 km.", ["một trăm hai mươi ki lô mét"]),
    ("Diện tích 35 km2.", ["ba mươi lăm ki lô mét vuông"]),
    ("Trồng mới 400 ha rừng.", ["bốn trăm héc ta"]),
    ("Nhiệt độ cao nhất 35°C.", ["ba mươi lăm độ xê"]),
    ("Lượng mưa 150 mm.", ["một trăm năm mươi mi li mét"]),
    # phone numbers, digit by digit
    ("Đường dây nóng 0259 3822 123.", ["không hai năm chín, ba tám hai hai, một hai ba"]),
    ("Gọi 0912345678 để phản ánh.", ["không chín một hai ba bốn năm sáu bảy tám"]),
    ("Số điện thoại 0259.3822.123.", ["không hai năm chín, ba tám hai hai, một hai ba"]),
    ("Tổng đài 1900 1234.", ["một chín không không, một hai ba bốn"]),
    # administrative abbreviations, read in full with their case
    ("UBND tỉnh ban hành kế hoạch.", ["Ủy ban nhân dân tỉnh"]),
    ("HĐND xã họp phiên bất thường.", ["Hội đồng nhân dân xã"]),
    ("Ủy ban MTTQ Việt Nam tỉnh và các hội, đoàn thể.", ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"]),
    ("BCH Đảng bộ tỉnh khóa XIV.", ["Ban Chấp hành Đảng bộ tỉnh khóa mười bốn"]),
    ("Theo chỉ đạo của TW.", ["của Trung ương"]),
    ("TP. Phan Rang - Tháp Chàm.", ["thành phố Phan Rang"]),
    ("Thực hiện KH số 12/KH-UBND.", ["Kế hoạch số mười hai", "Kế hoạch Ủy ban nhân dân"]),
    ("NQ số 05-NQ/TU của Tỉnh ủy.", ["Nghị quyết số năm", "Nghị quyết Tỉnh ủy"]),
    ("Vùng ĐBSCL.", ["Đồng bằng sông Cửu Long"]),
    ("Thông tư 39/2020/TT-BTTTT về truyền thanh cơ sở.", ["Thông tư ba mươi chín năm " + Y2020,
                                                           "Bộ Thông tin và Truyền thông"]),
    ("Sở TT&TT phối hợp.", ["Sở Thông tin và Truyền thông"]),
    ("Tăng trưởng GRDP bình quân.", ["tổng sản phẩm trên địa bàn"]),
    ("Phát triển KT-XH, giữ vững QP-AN.", ["kinh tế", "xã hội", "quốc phòng", "an ninh"]),
    ("Xây dựng NTM nâng cao.", ["nông thôn mới"]),
    ("Các HTX nông nghiệp.", ["hợp tác xã"]),
    ("Tại TP.HCM và Tp. Phan Rang.", ["Thành phố Hồ Chí Minh", "thành phố Phan Rang"]),
    ("Sở GD&ĐT và Sở NN&PTNT.", ["Sở Giáo dục và Đào tạo", "Sở Nông nghiệp và Phát triển nông thôn"]),
    ("Theo Hướng dẫn số 15-HD/BTGTU.", ["Hướng dẫn số mười lăm, Hướng dẫn Ban Tuyên giáo Tỉnh ủy"]),
    ("Nghị định 123/2020/NĐ-CP.", ["Nghị định Chính phủ"]),
    # the plan's own sentences: case kept, nothing else changed
    ("Đẩy mạnh tuyên truyền về ý nghĩa của Đại hội Đảng bộ tỉnh lần thứ XV.",
     ["Đẩy mạnh tuyên truyền về ý nghĩa của Đại hội Đảng bộ tỉnh lần thứ mười lăm"]),
    ("Phản ảnh tình cảm, kỳ vọng của cán bộ và Nhân dân đối với đại hội đảng bộ các cấp.",
     ["Phản ảnh tình cảm, kỳ vọng của cán bộ và Nhân dân"]),
    ("Đài Phát thanh và Truyền hình tỉnh Ninh Thuận.", ["Đài Phát thanh và Truyền hình tỉnh Ninh Thuận"]),
]

ROMAN = re.compile(r"\b[IVXLC]{2,}\b|\b(?:thứ|khóa|Đại hội|thế kỷ) [IVX]\b")


def _abbreviation_left(text: str) -> list[str]:
    return [k for k in ABBREVIATIONS if re.search(rf"(?<![\w&]){re.escape(k)}(?![\w&])", text)]


def test_table_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("written,fragments", CASES, ids=[c[0][:40] for c in CASES])
def test_spoken_form(written, fragments):
    out = spoken(written)
    for fragment in fragments:
        assert fragment in out, f"{written!r} → {out!r}: thiếu {fragment!r}"
    assert not re.search(r"\d", out), out
    assert not ROMAN.search(out), out
    assert not _abbreviation_left(out), out


def test_example_campaign_text_has_nothing_unread(example_campaign):
    """Every sentence of the example campaign (from the plan) is fully spelt out."""
    texts = [example_campaign.title, example_campaign.plan_ref]
    for phase in example_campaign.all_phases():
        texts += [phase.name, *phase.content_lines]
    for brief in example_campaign.briefs:
        texts += [brief.title, brief.headline, *brief.key_messages, *brief.body.splitlines(), *brief.slogans]
    assert len(texts) > 60
    for text in texts:
        out = spoken(text)
        assert not re.search(r"\d", out) and not ROMAN.search(out) and not _abbreviation_left(out), (text, out)


def test_document_codes_only_inside_document_numbers():
    assert "Hướng dẫn" not in spoken("Xem video HD trên mạng.")
    assert spoken("Chỉ thị 35-CT/TW.") == "Chỉ thị ba mươi lăm, Chỉ thị Trung ương."


def test_campaign_abbreviations_extend_the_dictionary():
    speak = SpokenForm({"BQL": "Ban quản lý", "UBND": "Ủy ban nhân dân (đọc riêng)"})
    assert speak("BQL dự án và UBND xã") == "Ban quản lý dự án và Ủy ban nhân dân, đọc riêng, xã"


def test_cli_normalize_reads_stdin_line_by_line():
    from studio.cli import app

    result = CliRunner().invoke(app, ["radio", "normalize"], input="UBND tỉnh chi 8,5%\n\nNgày 19/8/2024\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Ủy ban nhân dân tỉnh chi tám phẩy năm phần trăm", "",
        "Ngày mười chín tháng tám năm hai nghìn không trăm hai mươi bốn"]
