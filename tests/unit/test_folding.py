"""Search ignores case and Vietnamese diacritics, đ included."""

import pytest

from engine.folding import fold, identifier, matches


@pytest.mark.parametrize(("text", "folded"), [
    ("Đăng ký khai sinh", "dang ky khai sinh"),
    ("ĐỒNG ĐẤT ĐAI", "dong dat dai"),
    ("Chứng thực  bản sao\t", "chung thuc ban sao"),
    ("Hộ kinh doanh", "ho kinh doanh"),
    ("Ủy ban nhân dân xã Xuân Hòa", "uy ban nhan dan xa xuan hoa"),
    ("1.001193", "1.001193"),
])
def test_folding_drops_case_diacritics_and_the_stroke_of_d(text, folded):
    assert fold(text) == folded


def test_decomposed_input_folds_like_composed_input():
    assert fold("\u0110a\u0306ng ky\u0301") == fold("Đăng ký") == "dang ky"


def test_every_word_of_the_query_must_occur():
    assert matches("khai sinh", "Đăng ký khai sinh")
    assert matches("ĐĂNG KÝ", "Đăng ký khai sinh")
    assert matches("sinh dang", "Đăng ký khai sinh")
    assert not matches("khai tử", "Đăng ký khai sinh")
    assert matches("", "anything")


def test_words_may_come_from_any_of_the_texts():
    assert matches("1.001193 khai", "Đăng ký khai sinh", "1.001193")


def test_an_identifier_is_the_folded_text_with_other_characters_as_single_underscores():
    assert identifier("Đăng ký  khai sinh (bản sao)") == "dang_ky_khai_sinh_ban_sao"
    assert identifier("review-Application.html") == "review_application_html"
    assert identifier("???") == ""
