"""Spoken-form Vietnamese: the plan's own sentences and the issue's list, read as words."""

from __future__ import annotations

import re

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from studio.radio.normalize import ABBREVIATIONS, SpokenForm, spoken

Y2025 = "hai nghìn không trăm hai mươi lăm"
Y2030 = "hai nghìn không trăm ba mươi"
Y2020 = "hai nghìn không trăm hai mươi"

# (written, fragments that must appear in the spoken form[, fragments that must not])
CASES = [
    # numbers with Vietnamese separators
    ("Có 65.000 người tham gia.", ["sáu mươi lăm nghìn người"]),
    ("Tăng trưởng 8,5% mỗi năm.", ["tám phẩy năm phần trăm mỗi năm"]),
    ("Tăng trưởng kinh tế bình quân: 8,5 %/năm.", ["tám phẩy năm phần trăm mỗi năm"]),
    ("Thu nhập bình quân 78,5 triệu đồng.", ["bảy mươi tám phẩy năm triệu đồng"]),
    ("Tỷ lệ hộ nghèo giảm còn 2,9%.", ["hai phẩy chín phần trăm"]),
    # statistics as studio.vi.stat writes them: a no-break space before a word unit
    ("Lượng mưa: 312,5\u00a0mm.", ["ba trăm mười hai phẩy năm mi li mét"]),
    ("Hộ phải di dời: 1.250\u00a0hộ.", ["một nghìn hai trăm năm mươi hộ"]),
    ("Tỷ lệ: 8,75%.", ["tám phẩy bảy lăm phần trăm"]),
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
    ("Thực hiện KH số 12/KH-UBND.", ["Thực hiện Kế hoạch số mười hai của Ủy ban nhân dân."]),
    ("NQ số 05-NQ/TU của Tỉnh ủy.", ["Nghị quyết số năm của Tỉnh ủy."]),
    ("Vùng ĐBSCL.", ["Đồng bằng sông Cửu Long"]),
    ("Thông tư 39/2020/TT-BTTTT về truyền thanh cơ sở.", [f"Thông tư ba mươi chín năm {Y2020} của "
                                                           "Bộ Thông tin và Truyền thông về"]),
    ("Sở TT&TT phối hợp.", ["Sở Thông tin và Truyền thông"]),
    ("Tăng trưởng GRDP bình quân.", ["tổng sản phẩm trên địa bàn"]),
    ("Phát triển KT-XH, giữ vững QP-AN.", ["kinh tế", "xã hội", "quốc phòng", "an ninh"]),
    ("Xây dựng NTM nâng cao.", ["nông thôn mới"]),
    ("Các HTX nông nghiệp.", ["hợp tác xã"]),
    ("Tại TP.HCM và Tp. Phan Rang.", ["Thành phố Hồ Chí Minh", "thành phố Phan Rang"]),
    ("Sở GD&ĐT và Sở NN&PTNT.", ["Sở Giáo dục và Đào tạo", "Sở Nông nghiệp và Phát triển nông thôn"]),
    ("Theo Hướng dẫn số 15-HD/BTGTU.", ["Hướng dẫn số mười lăm của Ban Tuyên giáo Tỉnh ủy"]),
    ("Nghị định 123/2020/NĐ-CP.", [f"Nghị định một trăm hai mươi ba năm {Y2020} của Chính phủ."]),
    # the plan's own sentences: case kept, nothing else changed
    ("Đẩy mạnh tuyên truyền về ý nghĩa của Đại hội Đảng bộ tỉnh lần thứ XV.",
     ["Đẩy mạnh tuyên truyền về ý nghĩa của Đại hội Đảng bộ tỉnh lần thứ mười lăm"]),
    ("Phản ảnh tình cảm, kỳ vọng của cán bộ và Nhân dân đối với đại hội đảng bộ các cấp.",
     ["Phản ảnh tình cảm, kỳ vọng của cán bộ và Nhân dân"]),
    ("Đài Phát thanh và Truyền hình tỉnh Ninh Thuận.", ["Đài Phát thanh và Truyền hình tỉnh Ninh Thuận"]),
]

Y2024 = "hai nghìn không trăm hai mươi bốn"
Y2018 = "hai nghìn không trăm mười tám"
Y2023 = "hai nghìn không trăm hai mươi ba"
ADMIN_CASES = [
    # document numbers: one convention. The kind is said once (before the number, unless the text just named
    # it), the issuer after "của" (unless the text names it right after), the year after "năm".
    ("Thực hiện Kế hoạch số 01-KH/TBPV ngày 19/8/2024 của Tiểu ban phục vụ Đại hội.",
     [f"Kế hoạch số một ngày mười chín tháng tám năm {Y2024} của Tiểu ban phục vụ Đại hội."]),
    ("Kế hoạch số 01-KH/TBĐCTTT ngày 4/9/2024 của Tổ bảo đảm công tác tuyên truyền.",
     ["Kế hoạch số một ngày bốn tháng chín", "của Tổ bảo đảm"]),
    ("(Đính kèm Kế hoạch số 01-KH/TBĐCTTT của Tổ Bảo đảm công tác tuyên truyền)",
     ["Kế hoạch số một của Tổ Bảo đảm"]),
    ("Triển khai thực hiện Kết luận số 539-KL/TU ngày 27/12/2024 của Ban Chấp hành Đảng bộ tỉnh.",
     ["Kết luận số năm trăm ba mươi chín ngày hai mươi bảy tháng mười hai", "của Ban Chấp hành Đảng bộ tỉnh"]),
    ("Tổng kết việc thực hiện Nghị quyết số 18-NQ/TW, các Sở, ngành.",
     ["Nghị quyết số mười tám của Trung ương, các Sở, ngành"]),
    ("Số: 45/TB-UBND", ["Thông báo số bốn mươi lăm của Ủy ban nhân dân"]),
    ("Thông báo số 45/TB-UBND ngày 10/3/2025.", ["Thông báo số bốn mươi lăm của Ủy ban nhân dân ngày mười tháng ba"]),
    ("Số 01-KH/UBND", ["Kế hoạch số một của Ủy ban nhân dân"]),
    ("Kế hoạch số 01-KH/UBND ngày 02/01/2025.", ["Kế hoạch số một của Ủy ban nhân dân ngày hai tháng một"]),
    ("Quyết định số 1234/QĐ-UBND ngày 15/6/2025 của UBND tỉnh.",
     ["Quyết định số một nghìn hai trăm ba mươi bốn ngày mười lăm tháng sáu", "của Ủy ban nhân dân tỉnh"]),
    ("Quyết định 1234/QĐ-UBND.", ["Quyết định một nghìn hai trăm ba mươi bốn của Ủy ban nhân dân."]),
    ("Theo Chỉ thị số 05-CT/TW của Bộ Chính trị.", ["Chỉ thị số năm của Bộ Chính trị"]),
    ("Căn cứ Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ.",
     ["Nghị quyết số năm mươi bảy của Trung ương về đột phá"]),
    ("Căn cứ Luật số 24/2018/QH14.", [f"Luật số hai mươi bốn năm {Y2018} của Quốc hội khóa mười bốn"]),
    ("Thông tư liên tịch số 12/2020/TTLT-BYT-BTC.", ["Thông tư liên tịch số mười hai", "của Bộ Y tế và Bộ Tài chính"]),
    ("Công văn số 123/UBND-VX về việc tuyên truyền.", ["Công văn số một trăm hai mươi ba của Ủy ban nhân dân về việc"]),
    ("Tờ trình số 56/TTr-UBND.", ["Tờ trình số năm mươi sáu của Ủy ban nhân dân"]),
    ("Quyết định số 20/2025/QĐ-TTg.", ["Quyết định số hai mươi năm", "của Thủ tướng Chính phủ"]),
    ("Báo cáo số 30/BC-SNV.", ["Báo cáo số ba mươi của Sở Nội vụ"]),
    ("Hướng dẫn số 15-HD/BTGTU ngày 3/3/2025.", ["Hướng dẫn số mười lăm của Ban Tuyên giáo Tỉnh ủy ngày ba tháng ba"]),
    ("Chương trình số 10-CTr/TU.", ["Chương trình số mười của Tỉnh ủy"]),
    ("Đề án số 06/ĐA-UBND.", ["Đề án số sáu của Ủy ban nhân dân"]),
    ("Nghị quyết số 01/2025/NQ-HĐND.", ["Nghị quyết số một năm", "của Hội đồng nhân dân"]),
    ("theo văn bản 45/TB-UBND", ["theo văn bản Thông báo bốn mươi lăm của Ủy ban nhân dân"]),
    ("Thông tư 39/2020/TT-BTTTT.", [f"Thông tư ba mươi chín năm {Y2020} của Bộ Thông tin và Truyền thông."]),
    ("Nghị định số 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân.", [f"Nghị định số mười ba năm {Y2023} của Chính phủ về"]),
    ("Quy chế số 03-QC/TU.", ["Quy chế số ba của Tỉnh ủy"]),
    ("Tại Kế hoạch số 01-KH/TBĐCTTT ngày 4/9/2024 về công tác tuyên truyền.",  # unknown issuer code: not read
     [f"Kế hoạch số một ngày bốn tháng chín năm {Y2024} về công tác"], ["tê bê"]),
    ("Số 12-KH/XYZ", ["Kế hoạch số mười hai"], ["ích"]),
    ("Thông báo kết luận số 12-TB/TU.", ["Thông báo kết luận số mười hai của Tỉnh ủy"]),
    # web and e-mail addresses: scheme and "www." left out, parts split into syllables, "." said chấm
    ("Truy cập https://www.ninhthuan.gov.vn để góp ý.", ["Truy cập ninh thuan chấm gov chấm vê nờ để góp ý."]),
    ("Xem tại http://ninhthuan.gov.vn.", ["Xem tại ninh thuan chấm gov chấm vê nờ."]),
    ("Cổng thông tin điện tử tỉnh www.ninhthuan.gov.vn.", ["ninh thuan chấm gov chấm vê nờ"]),
    ("Nộp hồ sơ trên dichvucong.gov.vn.", ["dich vu cong chấm gov chấm vê nờ"]),
    ("Theo dõi baochinhphu.vn.", ["bao chinh phu chấm vê nờ"]),
    ("Gửi ý kiến về tuyentruyen@ninhthuan.gov.vn.", ["tuyen truyen a còng ninh thuan chấm gov chấm vê nờ"]),
    ("Trang https://www.facebook.com/ninhthuan.", ["facebook chấm com gạch chéo ninh thuan"]),
    ("Xem https://dichvucong.gov.vn/p/thu-tuc.", ["dich vu cong chấm gov chấm vê nờ gạch chéo pê gạch chéo thu tuc."]),
    ("Đọc báo tại vtv.vn hoặc vov.vn.", ["vê tê vê chấm vê nờ", "vê ô vê chấm vê nờ"]),
    ("Hộp thư sotttt@ninhthuan.gov.vn.", ["a còng ninh thuan chấm gov chấm vê nờ"]),
    # quotes and brackets
    ("Tỷ lệ đạt 95”.", ["Tỷ lệ đạt chín mươi lăm."]),
    ("Khẩu hiệu “Toàn dân đoàn kết” năm 2025”.", [f"Khẩu hiệu Toàn dân đoàn kết năm {Y2025}."]),
    ('Cuộc thi "Tìm hiểu về Đại hội" thu hút 12.500 lượt.', ["Cuộc thi Tìm hiểu về Đại hội thu hút mười hai nghìn"]),
    ("Chuyên mục «Dân hỏi, chính quyền trả lời».", ["Chuyên mục Dân hỏi, chính quyền trả lời."]),
    ("Phong trào ‘Ngày thứ Bảy văn minh’.", ["Phong trào Ngày thứ Bảy văn minh."]),
    ("Đạt “100%” chỉ tiêu.", ["Đạt một trăm phần trăm chỉ tiêu."]),
    ("Cao điểm “90 ngày đêm”.", ["Cao điểm chín mươi ngày đêm."]),
    ("Chủ đề “Năm 2025”", [f"Chủ đề Năm {Y2025}"]),
    ("Thu nhập đạt 78,5” triệu đồng.", ["bảy mươi tám phẩy năm triệu đồng"]),
    ("Đạt 100% (kế hoạch).", ["Đạt một trăm phần trăm, kế hoạch."]),
    ("Các xã (phường, thị trấn) tổ chức.", ["Các xã, phường, thị trấn, tổ chức"]),
    ("Trên đây là Kế hoạch./.", ["Trên đây là Kế hoạch."]),
    # "expansion (ABBR)" said once
    ("Căn cước công dân (CCCD) được cấp miễn phí.", ["Căn cước công dân được cấp miễn phí."]),
    ("Ủy ban nhân dân (UBND) tỉnh ban hành.", ["Ủy ban nhân dân tỉnh ban hành."]),
    ("Ban Chỉ đạo (BCĐ) tỉnh họp.", ["Ban Chỉ đạo tỉnh họp."]),
    ("Chuyển đổi số (CĐS) là nhiệm vụ trọng tâm.", ["Chuyển đổi số là nhiệm vụ trọng tâm."]),
    ("Sở Nông nghiệp và Phát triển nông thôn (NN&PTNT) phối hợp.",
     ["Sở Nông nghiệp và Phát triển nông thôn phối hợp."]),
    ("Hội Liên hiệp Phụ nữ (HLHPN) tỉnh.", ["Hội Liên hiệp Phụ nữ tỉnh."]),
    ("Mặt trận Tổ quốc Việt Nam (MTTQVN) các cấp.", ["Mặt trận Tổ quốc Việt Nam các cấp."]),
    ("Tổng sản phẩm trên địa bàn (GRDP) tăng.", ["Tổng sản phẩm trên địa bàn tăng."]),
    ("Dịch vụ công trực tuyến (DVCTT) toàn trình.", ["Dịch vụ công trực tuyến toàn trình."]),
    ("Thủ tục hành chính (TTHC) được cắt giảm.", ["Thủ tục hành chính được cắt giảm."]),
    ("Đồng bằng sông Cửu Long (ĐBSCL).", ["Đồng bằng sông Cửu Long."]),
    ("Trung ương (TW) chỉ đạo.", ["Trung ương chỉ đạo."]),
    ("Chương trình mỗi xã một sản phẩm (OCOP).", ["Chương trình mỗi xã một sản phẩm, Ô cốp."]),
    ("Tổ công tác (gọi tắt là Tổ) họp.", ["Tổ công tác, gọi tắt là Tổ, họp."]),
    ("Cổng https://www.ninhthuan.gov.vn của tỉnh.", ["Cổng ninh thuan chấm gov chấm vê nờ của tỉnh."]),
    # abbreviations joined by "-" or "/": part by part
    ("Phát triển KT-XH, bảo đảm QP-AN.", ["kinh tế", "xã hội", "quốc phòng", "an ninh"]),
    ("Công tác PCCC/CNCH.", ["phòng cháy, chữa cháy, cứu nạn, cứu hộ"]),
    ("Hội LHPN/ĐTN xã.", ["Hội Liên hiệp Phụ nữ, Đoàn Thanh niên xã"]),
    ("Bảo đảm ANTT-ATGT dịp lễ.", ["an ninh trật tự, an toàn giao thông dịp lễ"]),
    ("Sở VH-TT-DL tổ chức.", ["Sở Văn hóa, Thể thao và Du lịch tổ chức"]),
    ("Sở LĐ-TB&XH hướng dẫn.", ["Sở Lao động, Thương binh và Xã hội hướng dẫn"]),
    ("Phòng chống HIV/AIDS.", ["hát i vê, ết"]),
    ("Sự nghiệp CNH-HĐH đất nước.", ["công nghiệp hóa, hiện đại hóa đất nước"]),
    ("Cấp BHYT/BHXH cho người dân.", ["bảo hiểm y tế, bảo hiểm xã hội"]),
    ("Đoàn TNCS Hồ Chí Minh.", ["Đoàn Thanh niên Cộng sản Hồ Chí Minh"]),
    ("Kết nối Wi-Fi miễn phí.", ["Wi Fi miễn phí"]),
    ("Email: abc@gmail.com", ["a bê xê a còng gmail chấm com"]),
    ("Website: ninhthuan.gov.vn/tin-tuc/", ["ninh thuan chấm gov chấm vê nờ gạch chéo tin tuc"]),
    ("Ban Chỉ đạo ATTP-ATGT.", ["an toàn thực phẩm, an toàn giao thông"]),
    # unknown capitals: Vietnamese letter names, never English
    ("Quét mã QR để góp ý.", ["Quét mã quy rờ để góp ý."]),
    ("Quét mã QR code.", ["quy rờ code"]),
    ("Cài ứng dụng VNeID.", ["vê en e ai đi"]),
    ("Tài khoản định danh điện tử mức 2 trên VNeID.", ["mức hai trên vê en e ai đi"]),
    ("Đài PT-TH tỉnh phát sóng.", ["Đài pê tê, tê hát tỉnh"]),
    ("Khu phố B.", ["Khu phố bê."]),
    ("Phụ lục K.", ["Phụ lục ca."]),
    ("Tổ chức họp BQL dự án.", ["bê quy lờ dự án"]),
    ("Đơn vị TNHH MTV.", ["tê nờ hát hát mờ tê vê"]),
    ("Chứng nhận ISO.", ["i ét ô"]),
    ("Chấp hành tốt, đánh giá OK.", ["ô ca"]),
    ("Thanh toán qua POS.", ["pê ô ét"]),
    ("Đăng ký SIM chính chủ.", ["Đăng ký SIM chính chủ."]),
    ("Nhắn tin SMS đến tổng đài.", ["ét mờ ét"]),
    ("I. MỤC ĐÍCH, YÊU CẦU", ["MỤC ĐÍCH, YÊU CẦU"]),
    ("V. QUY ĐỊNH CHUYỂN TIẾP", ["năm. QUY ĐỊNH CHUYỂN TIẾP"]),
    ("IV. TỔ CHỨC THỰC HIỆN", ["bốn. TỔ CHỨC THỰC HIỆN"]),
    ("Đ/c Bí thư Tỉnh ủy phát biểu.", ["đồng chí Bí thư Tỉnh ủy phát biểu."]),
    ("II. THỜI GIAN VÀ HÌNH THỨC THỰC HIỆN", ["THỜI GIAN VÀ HÌNH THỨC THỰC HIỆN"]),
    ("KẾ HOẠCH THÔNG TIN, TUYÊN TRUYỀN", ["KẾ HOẠCH THÔNG TIN, TUYÊN TRUYỀN"]),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]),
    ("Độc lập - Tự do - Hạnh phúc", ["Độc lập", "Tự do", "Hạnh phúc"]),
    ("Khối ASEAN.", ["A xê an"]),
    ("Phòng, chống dịch COVID-19.", ["Cô vít mười chín"]),
    # the plan's own sentences (plan-source.txt)
    ("Đợt 1: Từ tháng 1 năm 2025 đến thời điểm hoàn thành đại hội đảng bộ các huyện ủy, thành ủy, "
     "vào cuối tháng 7/2025.",
     ["Đợt một", f"tháng một năm {Y2025}", f"cuối tháng bảy năm {Y2025}"]),
    ("Đợt 2: Từ tháng 8/2025 đến tháng 9/2025, thời gian chuẩn bị và tiến hành Đại hội Đảng bộ tỉnh lần thứ XV.",
     [f"tháng tám năm {Y2025} đến tháng chín năm {Y2025}", "lần thứ mười lăm"]),
    ("Đợt 3: Từ tháng 9 đến cuối năm 2025, sau Đại hội Đảng bộ tỉnh lần thứ XV.",
     ["Từ tháng chín đến cuối năm", "lần thứ mười lăm"]),
    ("2.1. Từ tháng 8/2025 đến trước ngày diễn ra Đại hội Đảng bộ tỉnh lần thứ XV", ["lần thứ mười lăm"]),
    ("Đăng tải trên Cổng, Trang thông tin điện tử của Sở, ban, ngành, địa phương; tuyên truyền trên internet, "
     "mạng xã hội, Infographic...", ["Infographic"]),
    ("Tuyên truyền cổ động trực quan bằng panô, áp phích, tờ gấp…", ["panô, áp phích, tờ gấp"]),
    ("Hướng dẫn các Phòng Văn hóa – Thông tin cấp huyện đẩy mạnh công tác tuyên truyền cổ động trực quan.",
     ["Phòng Văn hóa", "Thông tin cấp huyện"]),
    ("Biểu dương các tầng lớp Nhân dân thi đua thực hiện thắng lợi nhiệm vụ năm 2024.", [f"nhiệm vụ năm {Y2024}"]),
    ("Tiến tới Đại hội XV của Đảng bộ tỉnh.", ["Đại hội mười lăm của Đảng bộ tỉnh"]),
    ("Góp phần thực hiện thắng lợi Nghị quyết Đại hội XIV của Đảng bộ tỉnh.", ["Đại hội mười bốn"]),
    ("Trung tâm Văn hoá – Thể thao và Truyền thanh.", ["Trung tâm Văn hoá", "Thể thao và Truyền thanh"]),
    ("Các Doanh nghiệp Bưu chính, Viễn thông trên địa bàn tỉnh.", ["Các Doanh nghiệp Bưu chính, Viễn thông"]),
    ("Hội Liên hiệp Văn học Nghệ thuật tỉnh.", ["Hội Liên hiệp Văn học Nghệ thuật tỉnh."]),
    ("Tin nhắn rác,… có nội dung xấu nhằm chống phá Đại hội.", ["Tin nhắn rác", "có nội dung xấu"]),
    ("Ninh Thuận, ngày 15 tháng 01 năm 2025", [f"ngày mười lăm tháng một năm {Y2025}"]),
    # numbers, dates and times as administrative text writes them
    ("Từ ngày 15/8/2025 đến ngày 30/9/2025.", [f"Từ ngày mười lăm tháng tám năm {Y2025} đến ngày ba mươi tháng chín"]),
    ("Thời gian: 7h30, ngày 24/9/2025.", ["bảy giờ ba mươi phút", "ngày hai mươi bốn tháng chín"]),
    ("Hội nghị bắt đầu lúc 14h00.", ["mười bốn giờ"]),
    ("Kinh phí 150.000.000 đồng.", ["một trăm năm mươi triệu đồng"]),
    ("Kinh phí 2,5 tỷ đồng.", ["hai phẩy năm tỷ đồng"]),
    ("Tỷ lệ bao phủ BHYT đạt 95,2%.", ["bảo hiểm y tế", "chín mươi lăm phẩy hai phần trăm"]),
    ("Có 1.200 đảng viên mới được kết nạp.", ["một nghìn hai trăm đảng viên"]),
    ("Dân số 590.000 người.", ["năm trăm chín mươi nghìn người"]),
    ("Giảm 1,5 điểm phần trăm.", ["một phẩy năm điểm phần trăm"]),
    ("Hotline 1022.", ["một không hai hai"]),
    ("Liên hệ số điện thoại 0259.3822.456.", ["không hai năm chín, ba tám hai hai, bốn năm sáu"]),
    ("Gọi +84 259 3822 123.", ["cộng tám tư"]),
    ("Năm 2026, tỉnh phấn đấu tăng trưởng 10%.", ["mười phần trăm"]),
    ("Nhiệm kỳ 2026-2031.", ["hai nghìn không trăm hai mươi sáu đến hai nghìn không trăm ba mươi mốt"]),
    ("Ngày 3/2 là ngày thành lập Đảng.", ["Ngày ba tháng hai"]),
    ("Lễ 30/4 và 1/5.", ["ba mươi tháng tư và ngày một tháng năm"]),
    ("Khai mạc lúc 8h00 ngày 24/9.", ["tám giờ", "ngày hai mươi bốn tháng chín"]),
    ("Đạt 3/4 chỉ tiêu.", ["ba trên bốn chỉ tiêu"]),
    ("Diện tích 3.358 km2.", ["ba nghìn ba trăm năm mươi tám ki lô mét vuông"]),
    ("Tốc độ tối đa 50 km/h.", ["năm mươi ki lô mét trên giờ"]),
    ("Thế kỷ XX.", ["Thế kỷ hai mươi"]),
    ("Hội nghị lần thứ 10 BCH Trung ương khóa XIII.", ["lần thứ mười", "Ban Chấp hành Trung ương khóa mười ba"]),
    ("Kỳ họp thứ 9, Quốc hội khóa XV.", ["Kỳ họp thứ chín", "khóa mười lăm"]),
    ("Ngày 19/5/2025 kỷ niệm 135 năm Ngày sinh Chủ tịch Hồ Chí Minh.", ["một trăm ba mươi lăm năm Ngày sinh"]),
    # administrative abbreviations
    ("UBND các huyện, thành phố chỉ đạo.", ["Ủy ban nhân dân các huyện, thành phố"]),
    ("Thường trực HĐND tỉnh.", ["Thường trực Hội đồng nhân dân tỉnh"]),
    ("Ban Thường vụ TU.", ["Ban Thường vụ Tỉnh ủy"]),
    ("BTV Huyện ủy.", ["Ban Thường vụ Huyện ủy"]),
    ("Các đồng chí ĐBQH tỉnh.", ["đại biểu Quốc hội tỉnh"]),
    ("Đội CSGT làm nhiệm vụ.", ["cảnh sát giao thông"]),
    ("Giảm TNGT trên cả 3 tiêu chí.", ["tai nạn giao thông", "cả ba tiêu chí"]),
    ("Xây dựng CSDL quốc gia về dân cư.", ["cơ sở dữ liệu quốc gia"]),
    ("Sắp xếp ĐVHC cấp xã.", ["đơn vị hành chính cấp xã"]),
    ("Lực lượng CAND.", ["Công an nhân dân"]),
    ("Phát triển KCN Du Long.", ["khu công nghiệp Du Long"]),
    ("Ứng dụng CNTT trong cải cách hành chính.", ["công nghệ thông tin"]),
    ("Các HTX và CLB nông dân.", ["hợp tác xã", "câu lạc bộ nông dân"]),
    ("Hội CCB xã.", ["Hội cựu chiến binh xã"]),
    ("UBKT Tỉnh ủy.", ["Ủy ban Kiểm tra Tỉnh ủy"]),
    ("Tổ chức các TCCSĐ.", ["tổ chức cơ sở đảng"]),
    ("Sở TN&MT và Sở KH&ĐT.", ["Sở Tài nguyên và Môi trường", "Sở Kế hoạch và Đầu tư"]),
    ("Trường THPT và THCS.", ["trung học phổ thông", "trung học cơ sở"]),
    ("Theo chỉ đạo của TTg.", ["của Thủ tướng"]),
    ("Ban Tuyên giáo TW.", ["Ban Tuyên giáo Trung ương"]),
    ("Thành phố Phan Rang-Tháp Chàm.", ["Phan Rang", "Tháp Chàm"]),
]

# Disaster warnings (storm and flood season bulletins): levels, ranges with units, hotlines, hours.
DISASTER_CASES = [
    ("Cấp độ rủi ro thiên tai cấp 3.", ["Cấp độ rủi ro thiên tai cấp ba"]),
    ("Rủi ro thiên tai do bão: cấp độ 4.", ["cấp độ bốn"]),
    ("Gió giật cấp 10-11.", ["Gió giật cấp mười đến mười một"]),
    ("Gió mạnh cấp 8-9, giật cấp 11.", ["cấp tám đến chín, giật cấp mười một"]),
    ("Lượng mưa 200-300 mm.", ["hai trăm đến ba trăm mi li mét"]),
    ("Lượng mưa phổ biến 200 - 300mm, có nơi trên 400mm.",
     ["hai trăm đến ba trăm mi li mét", "trên bốn trăm mi li mét"], ["trừ"]),
    ("Mưa to 100-200 mm/24h.", ["một trăm đến hai trăm mi li mét trên hai mươi bốn giờ"]),
    ("Sóng biển cao 3-5 m, biển động rất mạnh.", ["ba đến năm mét"], ["mờ"]),
    ("Sóng cao 2-4m.", ["hai đến bốn mét"]),
    ("Nước dâng do bão cao 1,5-2,5 m.", ["một phẩy năm đến hai phẩy năm mét"]),
    ("Lượng mưa 312,5 mm.", ["ba trăm mười hai phẩy năm mi li mét"]),
    ("Tỷ lệ nhà chưa kiên cố 8,75%.", ["tám phẩy bảy lăm phần trăm"]),
    ("Sức gió cấp 12 (118-133 km/h), giật cấp 15.",
     ["cấp mười hai", "một trăm mười tám đến một trăm ba mươi ba ki lô mét trên giờ", "giật cấp mười lăm"]),
    ("Di chuyển theo hướng Tây Tây Bắc, tốc độ 15-20 km/h.", ["mười lăm đến hai mươi ki lô mét trên giờ"]),
    ("Vị trí tâm bão ở khoảng 17,5 độ Vĩ Bắc; 108,3 độ Kinh Đông.",
     ["mười bảy phẩy năm độ Vĩ Bắc", "một trăm lẻ tám phẩy ba độ Kinh Đông"]),
    ("Hotline 1900 1234.", ["một chín không không, một hai ba bốn"]),
    ("Đường dây nóng: 1800 599 920.", ["một tám không không, năm chín chín, chín hai không"]),
    ("Gọi trực ban 0239.3856.112 hoặc số khẩn cấp 112.",
     ["không hai ba chín, ba tám năm sáu, một một hai", "số khẩn cấp một một hai"], ["một trăm mười hai"]),
    # short numbers to call: digit by digit after a word naming one, and the emergency numbers anywhere
    ("Khi cần cứu hộ, cứu nạn, gọi số 112 (miễn phí, trực 24/24 giờ).", ["gọi số một một hai, miễn phí"],
     ["trăm"]),
    ("Gọi 112 ngay khi có người gặp nạn.", ["Gọi một một hai ngay"], ["trăm"]),
    ("Cảnh sát 113, cứu hỏa 114, cấp cứu 115.", ["Cảnh sát một một ba, cứu hỏa một một bốn, cấp cứu một một lăm."]),
    ("Gọi 113, 114 hoặc 115 khi cần.", ["Gọi một một ba, một một bốn hoặc một một lăm khi cần"]),
    ("Số điện thoại khẩn cấp 114.", ["khẩn cấp một một bốn"], ["trăm"]),
    ("Đường dây nóng 1022 của tỉnh.", ["Đường dây nóng một không hai hai của tỉnh"], ["nghìn"]),
    ("Tổng đài 111 bảo vệ trẻ em.", ["Tổng đài một một một bảo vệ"]),
    ("Hotline: 116.", ["một một sáu"]),
    ("SĐT: 1022.", ["số điện thoại, một không hai hai."]),
    ("Liên hệ số 1022 để được hướng dẫn.", ["Liên hệ số một không hai hai để"]),
    # ... and a count stays a count
    ("Có 112 người và 115 hộ được hỗ trợ.", ["một trăm mười hai người", "một trăm mười lăm hộ"]),
    ("Kêu gọi 500 hộ dân tham gia.", ["năm trăm hộ dân"]),
    ("Số xã ven biển: 113.", ["một trăm mười ba"]),
    # a name in capitals (a typhoon) is read as a word; initials are still spelled
    ("Bão YAGI đổ bộ vào Quảng Ninh.", ["Bão Ya gi đổ bộ"], ["gờ"]),
    ("Bão số 3 (YAGI) mạnh cấp 12.", ["Bão số ba, Ya gi, mạnh"], ["gờ"]),
    ("Bão NORU và bão WIPHA.", ["Bão No ru và bão Wipha"], ["nờ ô"]),
    ("Tổ chức NATO, quỹ UNICEF.", ["Na to", "Unicef"]),
    ("Ngân hàng BIDV, tổ chức OECD.", ["bê i dê vê", "ô e xê dê"]),
    ("Sơ tán từ 7h00 ngày 12/10.", ["từ bảy giờ ngày mười hai tháng mười"]),
    ("Từ 19h ngày 8/10 đến 7h ngày 9/10/2026.",
     ["Từ mười chín giờ ngày tám tháng mười đến bảy giờ ngày chín tháng mười năm hai nghìn"]),
    ("Bản tin phát lúc 6h30, 11h00 và 17h30.", ["sáu giờ ba mươi phút, mười một giờ và mười bảy giờ ba mươi phút"]),
    ("Ngày 12-13/10, mưa lớn diện rộng.", ["Ngày mười hai đến ngày mười ba tháng mười"]),
    ("Trực ban 24/24 giờ.", ["hai mươi bốn trên hai mươi bốn giờ"]),
    ("Mực nước sông La trên BĐ3 0,35 m.", ["trên báo động ba không phẩy ba lăm mét"]),
    ("Lũ trên các sông ở mức BĐ2-BĐ3.", ["báo động hai đến báo động ba"]),
    ("Cấp báo động II trên sông Ngàn Phố.", ["Cấp báo động hai"]),
    ("Ban Chỉ huy PCTT&TKCN tỉnh.", ["phòng, chống thiên tai và tìm kiếm cứu nạn tỉnh"]),
    ("BCH PCTT và TKCN huyện.", ["Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn huyện"]),
    ("Ban Chỉ huy PTDS tỉnh.", ["Ban Chỉ huy phòng thủ dân sự tỉnh"]),
    ("Đài KTTV tỉnh Hà Tĩnh.", ["Đài khí tượng thủy văn tỉnh"]),
    ("Áp thấp nhiệt đới (ATNĐ) mạnh lên thành bão.", ["Áp thấp nhiệt đới mạnh lên thành bão"], ["a tê"]),
    ("Độ ẩm 75-80%.", ["bảy mươi lăm đến tám mươi phần trăm"]),
    ("Quét mã QR hoặc truy cập https://phongchongthientai.hatinh.gov.vn/canh-bao để xem tin.",
     ["quy rờ", "phong chong thien tai chấm ha tinh chấm gov chấm vê nờ gạch chéo canh bao"]),
    ("Di dời 1.250 hộ với 4.812 nhân khẩu.",
     ["một nghìn hai trăm năm mươi hộ", "bốn nghìn tám trăm mười hai nhân khẩu"]),
]

CASES += ADMIN_CASES + DISASTER_CASES

ROMAN = re.compile(r"\b[IVXLC]{2,}\b|\b(?:thứ|khóa|Đại hội|thế kỷ) [IVX]\b")


def _abbreviation_left(text: str) -> list[str]:
    return [k for k in ABBREVIATIONS if re.search(rf"(?<![\w&]){re.escape(k)}(?![\w&])", text)]


def test_table_is_large_enough():
    assert len(CASES) >= 200


@pytest.mark.parametrize("written,fragments,absent", [(*c, ())[:3] for c in CASES], ids=[c[0][:40] for c in CASES])
def test_spoken_form(written, fragments, absent):
    out = spoken(written)
    for fragment in fragments:
        assert fragment in out, f"{written!r} → {out!r}: thiếu {fragment!r}"
    for fragment in absent:
        assert fragment not in out, f"{written!r} → {out!r}: thừa {fragment!r}"
    assert_plain(out)


def assert_plain(out: str) -> None:
    """Only words and punctuation the engine reads: no digit, roman numeral, known abbreviation, markup,
    quote, English letter name or a comma read aloud."""
    assert not re.search(r"\d", out), out
    assert not ROMAN.search(out), out
    assert not _abbreviation_left(out), out
    assert not re.search(r"[<>\"“”„«»‘’]", out), out
    assert not re.search(r"\b(?:qui|dot|slash|colon|at|https?|www)\b|phẩy phẩy|hai chấm gạch chéo", out), out


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_example_campaign_text_has_nothing_unread(root):
    """Every sentence of every example campaign is fully spelt out."""
    from studio.loader import load_campaign

    campaign = load_campaign(root)
    texts = [campaign.title, campaign.plan_ref]
    for phase in campaign.all_phases():
        texts += [phase.name, *phase.content_lines]
    for brief in campaign.briefs:
        texts += [brief.title, brief.headline, *brief.key_messages, *brief.body.splitlines(), *brief.slogans]
    assert len(texts) > 30
    for text in texts:
        out = spoken(text, campaign.audio.abbreviations)
        assert not re.search(r"\d", out) and not ROMAN.search(out) and not _abbreviation_left(out), (text, out)


def test_document_codes_only_inside_document_numbers():
    assert "Hướng dẫn" not in spoken("Xem video HD trên mạng.")
    assert spoken("Chỉ thị 35-CT/TW.") == "Chỉ thị ba mươi lăm của Trung ương."


def test_campaign_abbreviations_extend_the_dictionary():
    speak = SpokenForm({"BQL": "Ban quản lý", "UBND": "Ủy ban nhân dân (đọc riêng)"})
    assert speak("BQL dự án và UBND xã") == "Ban quản lý dự án và Ủy ban nhân dân, đọc riêng, xã"


def test_campaign_gives_an_address_its_reading():
    speak = SpokenForm({"ninhthuan.gov.vn": "Ninh Thuận chấm gov chấm vê nờ"})
    assert speak("Truy cập https://www.ninhthuan.gov.vn.") == "Truy cập Ninh Thuận chấm gov chấm vê nờ."
    assert speak("Xem dichvucong.gov.vn.") == "Xem dich vu cong chấm gov chấm vê nờ."


def test_cli_normalize_reads_stdin_line_by_line():
    from studio.cli import app

    result = CliRunner().invoke(app, ["radio", "normalize"], input="UBND tỉnh chi 8,5%\n\nNgày 19/8/2024\n")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Ủy ban nhân dân tỉnh chi tám phẩy năm phần trăm", "",
        "Ngày mười chín tháng tám năm hai nghìn không trăm hai mươi bốn"]
