"""The bottleneck page: a procedure's step timings against budget, its diagram, who may see it."""

import pytest

from engine.models import Procedure
from engine.procedures import stored_model_xml
from tests.e2e.test_supervisor_dashboard import signed_in
from tests.integration.test_reports import add_dossier, add_step, at

HOUSEHOLD = "MC.HKD.001"
FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28"}
PAGE = "/giam-sat/diem-nghen"
TIMINGS = "/giam-sat/diem-nghen.json"
DIAGRAM = f"/giam-sat/so-do/{HOUSEHOLD}.bpmn"
REFUSED = "thuộc phòng khác hoặc vai trò khác"


@pytest.fixture
def household_steps(session, staff):
    """Two business households of February 2026, each reviewed, approved and handed back.

    Review waits 1 and 3 h, is worked 11 and 9 h against 16: (2 + 10) / 16 = 0.75 of budget.
    Approval waits 8 and 4 h, is worked 4 and 2 h against 8: (6 + 3) / 8 = 1.125, one late.
    Handing back does not count against the deadline.
    """
    economic, head = staff["economic"].id, staff["economic_head"].id
    reception = staff["reception"].id
    for day, (review, approval) in ((9, ((1, 11), (8, 4))), (10, ((3, 9), (4, 2)))):
        dossier = add_dossier(session, HOUSEHOLD, received=at(2, day, 8), status=10, channel=1,
                              appointment=at(2, day + 3, 8), processed=at(2, day + 3, 7),
                              outcome="on_time", finished=at(2, day + 3, 8))
        add_step(session, dossier, "review", department="ECONOMIC", budget=16,
                 created=at(2, day, 8), due=at(2, day + 2, 8), state="completed",
                 holder=economic, claimed=at(2, day, 9), completed=at(2, day + 1, 16),
                 outcome="on_time", waited=review[0], worked=review[1])
        add_step(session, dossier, "head_approval", department="ECONOMIC", budget=8,
                 created=at(2, day + 1, 16), due=at(2, day + 2, 16), state="completed",
                 holder=head, claimed=at(2, day + 2, 9), completed=at(2, day + 3, 7),
                 outcome="late" if day == 9 else "on_time", waited=approval[0],
                 worked=approval[1])
        add_step(session, dossier, "return_result", department="RECEPTION", budget=8,
                 created=at(2, day + 3, 7), due=at(2, day + 4, 7), state="completed",
                 counted=False, holder=reception, claimed=at(2, day + 3, 7),
                 completed=at(2, day + 3, 8), outcome="on_time", waited=0, worked=1)
    session.commit()


def test_the_timings_give_each_step_its_hours_against_budget_and_its_standing(
        http, staff, session, household_steps):
    signed_in(http, session, staff, "supervisor")

    response = http.get(TIMINGS, params={**FEBRUARY, "procedure": HOUSEHOLD})

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["procedure"]) == ("2026-02-01", "2026-02-28",
                                                            HOUSEHOLD)
    assert [(r["rank"], r["step"], r["department_code"], r["completed"], r["waited_mean"],
             r["waited_median"], r["worked_mean"], r["worked_median"], r["budget_hours"],
             r["load"], r["late_share"], r["standing"]) for r in body["rows"]] == [
        (1, "head_approval", "ECONOMIC", 2, 6.0, 6.0, 3.0, 3.0, 8.0, 1.125, 0.5, "worst"),
        (2, "review", "ECONOMIC", 2, 2.0, 2.0, 10.0, 10.0, 16.0, 0.75, 0.0, "within"),
        (None, "return_result", "RECEPTION", 2, 0.0, 0.0, 1.0, 1.0, 8.0, 0.125, 0.0,
         "uncounted")]
    assert body["rows"][0]["step_name"] == "Bước head_approval"
    api = http.get("/api/v1/reports/step-timings", params={**FEBRUARY, "procedure": HOUSEHOLD},
                   headers=staff["supervisor"].headers).json()
    assert [{k: v for k, v in row.items() if k != "standing"} for row in body["rows"]] == (
        api["rows"])


def test_the_page_lists_the_steps_most_over_budget_first_in_vietnamese(
        http, staff, session, household_steps):
    signed_in(http, session, staff, "leader")

    page = http.get(PAGE, params={**FEBRUARY, "procedure": HOUSEHOLD})

    assert page.status_code == 200
    assert "<h2 id=\"diagram-title\">Đăng ký thành lập hộ kinh doanh (MC.HKD.001)</h2>" in (
        page.text)
    table = page.text.split('data-testid="timings"')[1].split("</table>")[0]
    rows = [row.split("</tr>")[0] for row in table.split("<tr class=")[1:]]
    assert [row.split('data-step="')[1].split('"')[0] for row in rows] == [
        "head_approval", "review", "return_result"]
    assert ('<td>6 / 6</td>\n      <td>3 / 3</td>\n      <td>8</td><td>112%</td><td>50%</td>'
            in rows[0])
    assert "Điểm nghẽn lớn nhất" in rows[0]
    assert "<td>2 / 2</td>\n      <td>10 / 10</td>\n      <td>16</td><td>75%</td>" in rows[1]
    assert "Trong định mức" in rows[1] and "Phòng Kinh tế" in rows[1]
    assert "<td>–</td>" in rows[2] and "Không tính vào thời hạn" in rows[2]
    assert f'data-diagram="{DIAGRAM}"' in page.text
    assert (f'data-timings="{TIMINGS}?procedure={HOUSEHOLD}&amp;from=2026-02-01&amp;'
            'to=2026-02-28"') in page.text


def test_the_page_speaks_english_when_asked(http, staff, session, household_steps):
    signed_in(http, session, staff, "admin")

    page = http.get(PAGE, params={**FEBRUARY, "procedure": HOUSEHOLD, "lang": "en"})

    assert page.status_code == 200
    assert "<h1>Procedure bottlenecks</h1>" in page.text
    assert "Business household registration (MC.HKD.001)" in page.text
    assert "Worst bottleneck" in page.text


def test_the_diagram_is_the_procedures_published_model(http, staff, session):
    signed_in(http, session, staff, "supervisor")
    published = session.get(Procedure, HOUSEHOLD).spec_hash

    response = http.get(DIAGRAM)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.text == stored_model_xml(session, published)[0]
    assert '<bpmn:userTask id="head_approval"' in response.text


def test_without_a_procedure_the_page_asks_for_one(http, staff, session):
    signed_in(http, session, staff, "supervisor")

    page = http.get(PAGE, params=FEBRUARY)

    assert page.status_code == 200
    assert 'data-testid="choose-procedure"' in page.text
    assert f'<option value="{HOUSEHOLD}" >Đăng ký thành lập hộ kinh doanh' in page.text
    assert 'id="diagram"' not in page.text


@pytest.mark.parametrize("person", ["office", "economic_head", "reception", "designer"])
def test_people_who_do_not_read_reports_are_refused_in_vietnamese(
        http, staff, session, household_steps, person):
    signed_in(http, session, staff, person)

    answers = [http.get(path, params={**FEBRUARY, "procedure": HOUSEHOLD})
               for path in (PAGE, TIMINGS, DIAGRAM)]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert REFUSED in answers[0].text
    assert HOUSEHOLD not in answers[1].text and "userTask" not in answers[2].text


def test_signed_out_the_page_sends_the_browser_to_sign_in(http):
    for path in (PAGE, TIMINGS, DIAGRAM):
        response = http.get(path, params={**FEBRUARY, "procedure": HOUSEHOLD})

        assert response.status_code == 302
        assert response.headers["location"] == "/dang-nhap"


def test_an_unknown_procedure_is_a_page_not_found(http, staff, session):
    signed_in(http, session, staff, "supervisor")

    page = http.get(PAGE, params={**FEBRUARY, "procedure": "9.999999"})

    assert page.status_code == 404
    assert "Không tìm thấy thủ tục này" in page.text
    assert http.get(TIMINGS, params={**FEBRUARY, "procedure": "9.999999"}).status_code == 404
    assert http.get(TIMINGS, params=FEBRUARY).status_code == 404
    assert http.get("/giam-sat/so-do/9.999999.bpmn").status_code == 404


@pytest.mark.parametrize("period", [
    {"from": "2026-03-01", "to": "2026-02-01"},
    {"from": "2026-02-30", "to": "2026-03-01"},
    {"from": "0001-01-01", "to": "2026-03-01"},
])
def test_a_bad_period_is_refused_with_422(http, staff, session, period):
    signed_in(http, session, staff, "supervisor")

    page = http.get(PAGE, params={**period, "procedure": HOUSEHOLD})

    assert page.status_code == 422
    assert 'data-testid="bad-period"' in page.text
    assert http.get(TIMINGS, params={**period, "procedure": HOUSEHOLD}).status_code == 422
