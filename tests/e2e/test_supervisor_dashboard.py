"""The supervisor's dashboard: headline, on-time series, incidents, overdue, Form 06, downloads."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update

from api.clock import now
from engine.models import Dossier, HumanTask, User
from engine.passwords import set_password
from engine.unit_of_work import DossierUnitOfWork
from tests.conftest import NOW, snapshot
from tests.e2e.helpers import open_step, received
from tests.e2e.staff_app import PASSWORD, sign_in
from tests.scenarios import SCENARIOS

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
BIRTH = SCENARIOS["birth_registration"]
# Who does each step of the birth registration's happy path.
DOERS = {"review": "office", "sign": "leader", "return_result": "reception"}


def local(moment) -> str:
    return f"{moment.astimezone(LOCAL):%d/%m/%Y %H:%M}"


def this_month() -> dict:
    today = now().astimezone(LOCAL).date()
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}


def signed_in(http, session, staff, name: str):
    set_password(session, session.get(User, staff[name].id), PASSWORD, actor="test", now=NOW)
    assert sign_in(http, name).status_code == 302


def complete_birth(http, staff) -> str:
    """Receive a birth registration and take it through review, signing and return."""
    code = received(http, staff["reception"], form_data=BIRTH["intake"])["code"]
    for step, data in BIRTH["happy"]:
        person = staff[DOERS[step]]
        task = open_step(http, person, code, step)
        assert http.post(f"/api/v1/tasks/{task['id']}/claim",
                         headers=person.headers).status_code == 200
        done = http.post(f"/api/v1/tasks/{task['id']}/complete", json={"form_data": data},
                         headers=person.headers)
        assert done.status_code == 200, done.text
    return code


@pytest.fixture
def month(http, staff) -> dict[str, str]:
    """This month: one birth registration completed, one still open at review."""
    return {"done": complete_birth(http, staff),
            "open": received(http, staff["reception"], form_data=BIRTH["intake"])["code"]}


def test_the_dashboard_shows_the_headline_of_the_current_month_by_default(
        http, staff, session, month):
    signed_in(http, session, staff, "supervisor")

    page = http.get("/giam-sat")

    assert page.status_code == 200
    period = this_month()
    assert f'name="from" type="date" value="{period["from"]}"' in page.text
    assert f'name="to" type="date" value="{period["to"]}"' in page.text
    summary = http.get("/api/v1/reports/summary", params=period,
                       headers=staff["supervisor"].headers).json()
    assert f'data-testid="headline">{summary["text_vi"]}</p>' in page.text
    assert "tiếp nhận 2 hồ sơ" in summary["text_vi"]
    assert "giải quyết trước hạn và đúng hạn 1 hồ sơ" in summary["text_vi"]
    assert "1 hồ sơ đang giải quyết trong hạn" in summary["text_vi"]


def test_the_dashboard_speaks_english_when_asked(http, staff, session, month):
    signed_in(http, session, staff, "supervisor")

    page = http.get("/giam-sat", params={"lang": "en"})

    assert "<h2 id=\"chart-title\">On-time rate by month and department</h2>" in page.text
    assert "2 dossiers received" in page.text


def test_a_period_ending_before_it_starts_is_refused_in_vietnamese(http, staff, session):
    signed_in(http, session, staff, "supervisor")

    page = http.get("/giam-sat", params={"from": "2026-03-01", "to": "2026-02-01"})

    assert page.status_code == 422
    assert 'data-testid="bad-period"' in page.text


def test_the_on_time_series_gives_each_month_and_department_its_rate(http, staff, month):
    period = this_month()
    response = http.get("/api/v1/reports/on-time-by-month", params=period,
                        headers=staff["supervisor"].headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == (period["from"], period["to"])
    [row] = body["rows"]
    assert row.pop("department_name").startswith("Văn phòng Hội đồng nhân dân")
    assert row == {"month": period["from"][:7], "department_code": "OFFICE", "completed": 1,
                   "early_or_on_time": 1, "on_time_rate": 1.0}


def test_the_on_time_series_is_documented_and_refused_to_officers(http, staff, session):
    spec = http.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/reports/on-time-by-month"]["get"]
    assert "early or on time" in operation["summary"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to"}
    before = snapshot(session)

    response = http.get("/api/v1/reports/on-time-by-month", params=this_month(),
                        headers=staff["office"].headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_permitted"
    assert snapshot(session) == before


def test_the_page_draws_its_chart_from_the_same_series_as_the_api(
        http, staff, session, month):
    signed_in(http, session, staff, "supervisor")
    period = this_month()

    series = http.get("/giam-sat/dung-han.json", params=period)

    assert series.status_code == 200
    assert series.json() == http.get("/api/v1/reports/on-time-by-month", params=period,
                                     headers=staff["supervisor"].headers).json()


def test_the_dashboard_lists_incidents_and_overdue_steps_with_who_holds_them(
        app, http, staff, session, month):
    session.expire_all()
    with DossierUnitOfWork(session, app.extensions["motcua"], now=NOW) as uow:
        uow.lock(Dossier.code == month["open"])
        uow.fail(step="review", error=RuntimeError("a gateway in the model has no way out"),
                 actor="office")
    task = open_step(http, staff["office"], month["open"], "review")
    assert http.post(f"/api/v1/tasks/{task['id']}/claim",
                     headers=staff["office"].headers).status_code == 200
    due = now() - timedelta(hours=2)
    session.execute(update(HumanTask).where(HumanTask.id == task["id"]).values(due_at=due))
    session.commit()
    session.get(User, staff["office"].id).full_name = "Lê Văn Tâm"
    session.commit()
    signed_in(http, session, staff, "supervisor")

    page = http.get("/giam-sat").text

    incidents = page.split('data-testid="incidents"')[1].split("</table>")[0]
    assert f">{month['open']}</a>" in incidents
    assert "RuntimeError: a gateway in the model has no way out" in incidents
    assert local(NOW) in incidents
    overdue = page.split('data-testid="overdue"')[1].split("</table>")[0]
    assert f">{month['open']}</a>" in overdue
    assert "<td>Lê Văn Tâm</td>" in overdue
    assert local(due) in overdue
    assert month["done"] not in overdue


def test_an_officer_is_refused_the_dashboard_in_vietnamese(http, staff, session):
    signed_in(http, session, staff, "office")

    home = http.get("/").text
    assert 'data-testid="link-dashboard"' not in home
    assert 'data-testid="link-find-dossier"' in home
    for path in ("/giam-sat", "/giam-sat/bao-cao.csv"):
        page = http.get(path)
        assert page.status_code == 403
        assert "thuộc phòng khác hoặc vai trò khác" in page.text
    assert http.get("/giam-sat/dung-han.json", params=this_month()).status_code == 403


def test_a_dossiers_control_sheet_page_shows_its_steps_and_downloads_as_csv(
        http, staff, session, month):
    signed_in(http, session, staff, "supervisor")

    page = http.get(f"/ho-so/{month['done']}")

    assert page.status_code == 200
    rows = page.text.split('data-testid="sheet-rows"')[1]
    assert rows.count("<tr><td>") == len(BIRTH["happy"])
    verdicts = rows.count("<td>Trước hạn</td>") + rows.count("<td>Đúng hạn</td>")
    assert verdicts == len(BIRTH["happy"])
    download = http.get(f"/ho-so/{month['done']}/phieu-kiem-soat.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("STT / No.,Bước / Step")
    assert len(lines) == 1 + len(BIRTH["happy"])
    assert http.get("/ho-so/KHONG-CO").status_code == 404


def test_the_report_downloads_answer_csv_and_excel(http, staff, session, month):
    signed_in(http, session, staff, "supervisor")
    period = this_month()

    csv_file = http.get("/giam-sat/bao-cao.csv", params=period)
    xlsx_file = http.get("/giam-sat/bao-cao.xlsx", params=period)

    assert csv_file.status_code == 200
    assert csv_file.headers["content-type"].startswith("text/csv")
    api_csv = http.get("/api/v1/reports/progress", params={**period, "format": "csv"},
                       headers=staff["supervisor"].headers)
    assert csv_file.content == api_csv.content
    assert xlsx_file.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_file.content)).active
    # The header, the birth registration's row, then the total.
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["key", "1.001193", None]
    assert http.get("/giam-sat/bao-cao.pdf", params=period).status_code == 404
