"""The Color value: parsed once with a clear error, converted for each renderer."""

import pytest

from studio.color import Color, ColorError


def test_parse_and_back():
    red = Color.parse("#C8102E")
    assert red == Color(200, 16, 46) == Color.parse("c8102e")  # case and a missing # are accepted
    assert red.rgb == (200, 16, 46) and red.hex == "#C8102E"


@pytest.mark.parametrize("bad", ["đỏ", "#C8102", "#C8102EE", "#GG0000", "", None, 0xC8102E])
def test_a_bad_colour_names_where_it_was_written(bad):
    with pytest.raises(ColorError, match=r"^campaign\.yaml: brand\.colors\.primary: .* không phải mã màu dạng #RRGGBB"):
        Color.parse(bad, "campaign.yaml: brand.colors.primary")


def test_shade_darkens_towards_black_and_lightens_towards_white():
    red = Color.parse("#C8102E")
    assert red.shade(1) == red
    assert red.shade(0.5).hex == "#640817"  # each channel halved (rounded half to even)
    assert red.shade(1.5).hex == "#E48896"  # half-way to white (150.5 rounds to 150)
    assert red.shade(2) == Color(255, 255, 255) and red.shade(0) == Color(0, 0, 0)
    assert red.shade(3) == Color(255, 255, 255)  # clamped


def test_mix():
    ink, paper = Color.parse("#1A1A1A"), Color.parse("#FFFFFF")
    assert ink.mix(paper, 0) == ink and ink.mix(paper, 1) == paper
    assert ink.mix(paper, 0.5).hex == "#8C8C8C"
