"""Drawn text: typographic quotes, and the spaces a line may break at."""

import pytest

from studio.text import curly_quotes, split_words, typeset


@pytest.mark.parametrize("straight, curly", [
    ('Khẩu hiệu "Toàn dân đoàn kết"', "Khẩu hiệu “Toàn dân đoàn kết”"),
    ('"Đạt 100%" chỉ tiêu.', "“Đạt 100%” chỉ tiêu."),
    ("Cụm từ 'đi trước' và 'về đích'", "Cụm từ ‘đi trước’ và ‘về đích’"),
    ("\"Phong trào 'Ngày thứ Bảy'\" lan tỏa", "“Phong trào ‘Ngày thứ Bảy’” lan tỏa"),  # nested
    ('Chủ đề ("Năm 2025")', "Chủ đề (“Năm 2025”)"),  # after a bracket
    ('Nói: "Đồng lòng".', "Nói: “Đồng lòng”."),
    ('Dòng 1\n"Dòng 2"', "Dòng 1\n“Dòng 2”"),  # at a line start
    ("Ninh Thuận's", "Ninh Thuận’s"),  # an apostrophe inside a word
    ("không có dấu nháp", "không có dấu nháp"),
    ("“đã cong” ‘sẵn’", "“đã cong” ‘sẵn’"),
])
def test_curly_quotes(straight, curly):
    assert curly_quotes(straight) == curly


def test_typeset_is_nfc_with_curly_quotes():
    assert typeset('"Ðổi mới"'.replace("ổ", "o\u0302\u0309")) == "“Ðổi mới”"


def test_split_words_keeps_no_break_spaces():
    assert split_words("Lượng mưa  312,5\u00a0mm\nhôm nay ") == ["Lượng", "mưa", "312,5\u00a0mm", "hôm", "nay"]
    assert split_words("") == []


def test_a_body_shows_a_key_message_it_repeats_once():
    """The evacuation notice's body restated two key messages; drawn beside them, it says each once.
    Sentences are the same when their words are (case and punctuation aside); other lines stay as written."""
    from studio.text import without_repeats

    messages = ["Hoàn thành sơ tán trước 17h00 cùng ngày; không ai ở lại trên tàu thuyền.",
                "Khi cần hỗ trợ, gọi số khẩn cấp 112."]
    body = ("Bão mạnh dự báo đổ bộ chiều 9/10. Hoàn thành sơ tán trước 17h00 cùng ngày, không ai ở lại "
            "trên tàu thuyền!\nNgười dân mang theo giấy tờ tùy thân.\nkhi cần hỗ trợ, gọi số khẩn cấp 112")
    assert without_repeats(body, messages) == ("Bão mạnh dự báo đổ bộ chiều 9/10.\n"
                                                "Người dân mang theo giấy tờ tùy thân.")
    kept = "Tp. Hà Tĩnh  có 3 phường.\n\nÔng A. Nguyễn nói."
    assert without_repeats(kept, messages) == "Tp. Hà Tĩnh  có 3 phường.\n\nÔng A. Nguyễn nói."
