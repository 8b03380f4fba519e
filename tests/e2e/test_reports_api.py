"""The reports over HTTP: JSON, CSV and Excel downloads, the chart, and who may read them."""

import csv
import io
from dataclasses import fields

import openpyxl
import pytest
from sqlalchemy import update

from engine.models import HumanTask
from engine.reports import ProgressRow, StepTimingRow
from tests.integration.test_reports import add_dossier, add_step, at

REPORTS = "/api/v1/reports"
FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28"}
FORMULA = '=HYPERLINK("http://x","y")'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEADLINE = ("From 1 February 2026 to 28 February 2026: 4 dossiers received, 4 processed and "
            "digitised (100%), reused components 40%, 1 processed early or on time, 1 in "
            "progress within deadline, 1 overdue.")


@pytest.fixture
def february(session, staff):
    """Four dossiers of February 2026, two of them across Tết (16–20 Feb)."""
    # Household at the counter Fri 13 Feb 10:00: 3 working days skip Tết → Wed 25 Feb 10:00;
    # processed Tue 24 Feb: early.
    household = add_dossier(session, "MC.HKD.001", received=at(2, 13, 10), status=10,
                            channel=1, components=(4, 2, 2), appointment=at(2, 25, 10),
                            processed=at(2, 24, 11), outcome="early", finished=at(2, 25, 9))
    add_step(session, household, "review", department="ECONOMIC", budget=16,
             created=at(2, 13, 10), due=at(2, 24, 10), state="completed",
             holder=staff["economic"].id, claimed=at(2, 13, 11), completed=at(2, 23, 15),
             outcome="early", waited=1, worked=11)
    add_step(session, household, "head_approval", department="ECONOMIC", budget=8,
             created=at(2, 23, 15), due=at(2, 24, 15), state="completed",
             holder=staff["economic_head"].id, claimed=at(2, 24, 8, 30),
             completed=at(2, 24, 11), outcome="on_time", waited=2.5, worked=2.5)
    # Birth online during Tết, Tue 17 Feb 20:00: counts from Mon 23 Feb, due 17:00 that day;
    # processed Tuesday: late.
    add_dossier(session, "1.001193", received=at(2, 17, 20), status=10, channel=2,
                components=(2, 0, 2), appointment=at(2, 23, 17), processed=at(2, 24, 9),
                outcome="late", finished=at(2, 24, 10))
    # Certified copy Fri 27 Feb 09:00, due 17:00 the same day, still open: overdue.
    add_dossier(session, "2.000815", received=at(2, 27, 9), status=4, channel=1,
                components=(1, 1, 0), appointment=at(2, 27, 17))
    # Substitute care by post Thu 26 Feb 09:00: 5 working days → Thu 5 Mar 09:00.
    add_dossier(session, "MC.CTTT.001", received=at(2, 26, 9), status=4, channel=3,
                components=(3, 3, 0), appointment=at(3, 5, 9))
    session.commit()


def get(http, person, path: str, **params):
    return http.get(f"{REPORTS}/{path}", params={**FEBRUARY, **params}, headers=person.headers)


def ok(response):
    assert response.status_code == 200, response.text
    return response


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]
    return error


def test_a_supervisor_reads_the_progress_of_february_by_procedure(http, staff, february):
    body = ok(get(http, staff["supervisor"], "progress")).json()

    assert (body["from"], body["to"], body["group_by"]) == ("2026-02-01", "2026-02-28",
                                                            "procedure")
    assert [row["key"] for row in body["rows"]] == [
        "1.001193", "2.000815", "MC.CTTT.001", "MC.HKD.001", None]
    total = body["rows"][-1]
    assert total == {
        "key": None, "name": "Tổng cộng", "is_total": True, "received_carried_over": 0,
        "received_new": 4, "received_total": 4, "received_counter": 2, "received_online": 1,
        "received_post": 1, "completed": 2, "completed_early": 1, "completed_on_time": 0,
        "completed_late": 1, "in_progress_within_deadline": 1, "in_progress_overdue": 1,
        "paused": 0, "stopped": 0, "withdrawn": 0, "refused": 0, "digitised_share": 0.6,
        "reused_share": 0.4, "online_share": 0.25}


def test_a_leader_reads_the_progress_by_department(http, staff, february):
    rows = ok(get(http, staff["leader"], "progress", group_by="department")).json()["rows"]

    assert [(r["key"], r["received_new"], r["completed"], r["in_progress_overdue"])
            for r in rows] == [("CULTURE_SOCIAL", 1, 0, 0), ("ECONOMIC", 1, 1, 0),
                               ("OFFICE", 2, 1, 1), (None, 4, 2, 1)]


def test_the_progress_by_officer_counts_the_steps_each_completed(http, staff, february):
    rows = ok(get(http, staff["admin"], "progress", group_by="officer")).json()["rows"]

    assert [(r["key"], r["completed_early"], r["completed_on_time"], r["received_new"])
            for r in rows] == [("economic", 1, 0, None), ("economic_head", 0, 1, None),
                               (None, 1, 1, None)]


def test_the_progress_downloads_as_csv_with_a_bom_and_a_header(http, staff, february):
    response = ok(get(http, staff["supervisor"], "progress", format="csv"))

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="progress-procedure-2026-02-01-2026-02-28.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [f.name for f in fields(ProgressRow)]
    header = rows[0]
    total = dict(zip(header, rows[-1], strict=True))
    assert (total["name"], total["is_total"], total["received_new"], total["completed_late"],
            total["reused_share"]) == ("Tổng cộng", "true", "4", "1", "0.4")
    care = dict(zip(header, rows[3], strict=True))
    assert care["name"] == "Chấm dứt việc chăm sóc thay thế cho trẻ em"


def test_the_progress_downloads_as_an_excel_workbook_with_numbers(http, staff, february):
    response = ok(get(http, staff["supervisor"], "progress", format="xlsx"))

    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["content-disposition"].endswith(
        'filename="progress-procedure-2026-02-01-2026-02-28.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0]) == [f.name for f in fields(ProgressRow)]
    assert all(cell.font.bold for cell in sheet[1])
    total = dict(zip(values[0], values[-1], strict=True))
    assert (total["received_new"], total["completed_early"], total["digitised_share"]) == (
        4, 1, 0.6)
    assert sheet.cell(row=sheet.max_row, column=values[0].index("digitised_share") + 1) \
        .number_format == "0.0%"


def test_step_timings_rank_the_steps_by_load_over_http(http, staff, february):
    body = ok(get(http, staff["supervisor"], "step-timings", procedure="MC.HKD.001")).json()

    assert body["procedure"] == "MC.HKD.001"
    # review: (1 + 11) / 16 = 0.75; approval: (2.5 + 2.5) / 8 = 0.625.
    assert [(r["rank"], r["step"], r["completed"], r["waited_mean"], r["worked_median"],
             r["load"], r["late_share"]) for r in body["rows"]] == [
        (1, "review", 1, 1.0, 11.0, 0.75, 0.0),
        (2, "head_approval", 1, 2.5, 2.5, 0.625, 0.0)]


def test_step_timings_of_an_unknown_procedure_answer_404(http, staff):
    response = get(http, staff["supervisor"], "step-timings", procedure="9.999999")

    assert_refused(response, 404, "procedure_not_found")


def test_step_timings_download_as_csv(http, staff, february):
    response = ok(get(http, staff["supervisor"], "step-timings", format="csv"))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [f.name for f in fields(StepTimingRow)]
    assert [(row[0], row[2]) for row in rows[1:]] == [("1", "review"), ("2", "head_approval")]


@pytest.fixture
def formula_step(session, february):
    """The February household's review step, renamed as an attacker would name it."""
    session.execute(update(HumanTask).where(HumanTask.step == "review")
                    .values(step_name=FORMULA))
    session.commit()


def test_a_step_named_like_a_formula_downloads_inert_as_csv(http, staff, formula_step):
    response = ok(get(http, staff["supervisor"], "step-timings", format="csv"))

    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    review = dict(zip(header, rows[0], strict=True))
    assert (review["step"], review["step_name"], review["budget_hours"]) == (
        "review", f"'{FORMULA}", "16.0")


def test_a_step_named_like_a_formula_downloads_as_text_in_the_workbook(
        http, staff, formula_step):
    response = ok(get(http, staff["supervisor"], "step-timings", format="xlsx"))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    name = sheet.cell(row=2, column=header.index("step_name") + 1)
    budget = sheet.cell(row=2, column=header.index("budget_hours") + 1)
    assert (name.value, name.data_type) == (f"'{FORMULA}", "s")
    assert (budget.value, budget.data_type) == (16, "n")


def test_the_summary_gives_the_headline_figures_and_sentences(http, staff, february):
    body = ok(get(http, staff["supervisor"], "summary")).json()

    assert body == {
        "from": "2026-02-01", "to": "2026-02-28", "received": 4,
        "processed_and_digitised": 4, "digitised_share": 1.0, "components_total": 10,
        "components_reused": 4, "reused_share": 0.4, "early_or_on_time": 1,
        "in_progress_within_deadline": 1, "overdue": 1, "text": HEADLINE,
        "text_vi": "Từ ngày 01/02/2026 đến ngày 28/02/2026: tiếp nhận 4 hồ sơ, xử lý và số hóa "
                   "4 hồ sơ (đạt 100%), tái sử dụng thành phần hồ sơ đạt 40%, giải quyết trước "
                   "hạn và đúng hạn 1 hồ sơ, 1 hồ sơ đang giải quyết trong hạn, 1 hồ sơ quá hạn."}


def test_the_on_time_chart_is_a_png(http, staff, february):
    response = ok(get(http, staff["supervisor"], "on-time-chart.png"))

    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == (
        'attachment; filename="on-time-2026-02-01-2026-02-28.png"')
    assert response.content.startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("path", ["progress", "step-timings", "summary", "on-time-chart.png"])
def test_an_officer_may_not_read_reports(http, staff, path):
    assert_refused(get(http, staff["office"], path), 403, "not_permitted")


def test_reports_need_a_token(http):
    response = http.get(f"{REPORTS}/summary", params=FEBRUARY)

    assert_refused(response, 401, "unauthenticated")


def test_a_period_ending_before_it_starts_is_refused(http, staff):
    response = http.get(f"{REPORTS}/progress", params={"from": "2026-03-01", "to": "2026-02-01"},
                        headers=staff["supervisor"].headers)

    error = assert_refused(response, 422, "invalid_request")
    assert [f["field"] for f in error["details"]["fields"]] == ["from"]


def test_an_unknown_grouping_is_refused_naming_the_field(http, staff):
    error = assert_refused(get(http, staff["supervisor"], "progress", group_by="village"),
                           422, "invalid_request")

    assert [f["field"] for f in error["details"]["fields"]] == ["group_by"]


def test_a_missing_period_is_refused(http, staff):
    response = http.get(f"{REPORTS}/summary", headers=staff["supervisor"].headers)

    error = assert_refused(response, 422, "invalid_request")
    assert sorted(f["field"] for f in error["details"]["fields"]) == ["from", "to"]
