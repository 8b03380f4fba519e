"""How moments, money, working hours and statuses read, in Vietnamese and in English."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import Flask, render_template_string

from api import formatting, i18n
from api.formatting import fee, local_date, local_moment, money, status_label, working_hours
from engine.statuses import DossierStatus

# 10:00 UTC is 17:00 in Hà Nội; 20:30 UTC is already the next day there.
AFTERNOON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATE_EVENING = datetime(2026, 3, 2, 20, 30, tzinfo=UTC)


class _Calendars:
    zone_name = "Asia/Ho_Chi_Minh"


@pytest.fixture(scope="module")
def app():
    app = Flask("api")  # root path api/: the project's translation catalogues
    app.extensions["motcua"] = type("Ctx", (), {"calendars": _Calendars()})()
    i18n.init_app(app)
    formatting.init_app(app)
    return app


@pytest.fixture
def vi(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture
def en(app):
    with app.test_request_context("/", headers={"Accept-Language": "en-GB,en;q=0.9"}):
        yield


def test_a_moment_reads_in_local_time_as_day_month_year_hours_minutes(vi):
    assert local_moment(AFTERNOON) == "02/03/2026 17:00"
    assert local_moment(LATE_EVENING) == "03/03/2026 03:30"
    assert local_moment(AFTERNOON.astimezone(timezone(timedelta(hours=-5)))) == "02/03/2026 17:00"
    assert local_moment(None) == ""


def test_a_naive_moment_is_refused_because_its_instant_is_unknown(vi):
    with pytest.raises(ValueError, match="naive"):
        local_moment(datetime(2026, 3, 2, 10, 0))


def test_a_date_reads_as_day_month_year_and_a_moment_as_its_local_day(vi):
    assert local_date(date(2026, 3, 9)) == "09/03/2026"
    assert local_date(LATE_EVENING) == "03/03/2026"


def test_money_has_dot_thousands_no_decimals_and_the_dong_sign(vi):
    assert money(10_000) == "10.000\u00a0₫"
    assert money(1_250_000) == "1.250.000\u00a0₫"
    assert money(0) == "0\u00a0₫"


def test_a_fee_of_nothing_is_free(vi):
    assert fee(0) == "Miễn phí"
    assert fee(8_000) == "8.000\u00a0₫"


def test_working_hours_left_or_overdue_use_a_decimal_comma(vi):
    assert working_hours(3.5) == "còn 3,5 giờ làm việc"
    assert working_hours(-2) == "quá hạn 2 giờ làm việc"
    assert working_hours(0.25) == "còn 0,2 giờ làm việc"


def test_a_status_reads_as_its_vietnamese_label(vi):
    assert status_label(5) == "Yêu cầu bổ sung"
    assert status_label(DossierStatus.RESULT_RETURNED) == "Đã trả kết quả"


def test_every_status_has_an_english_label(en):
    labels = {status: status_label(status) for status in DossierStatus}

    assert labels[DossierStatus.SUPPLEMENT_REQUESTED] == "Supplement requested"
    assert all(label != status.label_vi for status, label in labels.items())


def test_english_readers_get_english_numbers_and_the_same_local_moment(en):
    assert local_moment(AFTERNOON) == "02/03/2026 17:00"
    assert working_hours(3.5) == "3.5 working hours left"
    assert fee(0) == "Free"


def test_a_lang_parameter_or_cookie_wins_over_accept_language(app):
    with app.test_request_context("/?lang=vi", headers={"Accept-Language": "en"}):
        assert fee(0) == "Miễn phí"
    with app.test_request_context("/", headers={"Accept-Language": "en",
                                                "Cookie": "lang=vi"}):
        assert fee(0) == "Miễn phí"
    with app.test_request_context("/?lang=xx", headers={"Accept-Language": "fr, en;q=0.5"}):
        assert fee(0) == "Free"


def test_templates_use_the_formats_as_filters(vi):
    html = render_template_string(
        "{{ at | moment }} · {{ 10000 | money }} · {{ 2 | status_label }} · {{ -1.5 | "
        "working_hours }}", at=AFTERNOON)

    assert html == "02/03/2026 17:00 · 10.000\u00a0₫ · Đã tiếp nhận · quá hạn 1,5 giờ làm việc"


@pytest.mark.parametrize(("amount", "vi_text", "en_text"), [
    (3.5, "3,5", "3.5"), (11.0, "11", "11"), (0.25, "0,2", "0.2"), (None, "–", "–")])
def test_hours_show_at_most_one_decimal_in_each_language(app, amount, vi_text, en_text):
    with app.test_request_context("/"):
        assert formatting.hours(amount) == vi_text
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert formatting.hours(amount) == en_text


def test_shares_are_whole_percentages_rounded_half_to_even(vi):
    assert [formatting.share(part) for part in (0.75, 1.125, 0.125, 0, None)] == [
        "75%", "112%", "12%", "0%", "–"]
