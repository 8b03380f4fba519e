"""Form 06 over HTTP: every handoff of a dossier, in working hours, as JSON or CSV.

Office hours are 08:00-12:00 and 13:00-17:00 in Hà Nội; every expected number of hours
below is counted by hand from those.
"""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import update

from engine.calendar import VIETNAM
from engine.models import HumanTask
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

BUSINESS = SCENARIOS["business_household"]
MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
MON_1000 = datetime(2026, 3, 2, 10, 0, tzinfo=VIETNAM)
MON_1530 = datetime(2026, 3, 2, 15, 30, tzinfo=VIETNAM)
TUE_1100 = datetime(2026, 3, 3, 11, 0, tzinfo=VIETNAM)
WED_0830 = datetime(2026, 3, 4, 8, 30, tzinfo=VIETNAM)
WED_1400 = datetime(2026, 3, 4, 14, 0, tzinfo=VIETNAM)
THU_1000 = datetime(2026, 3, 5, 10, 0, tzinfo=VIETNAM)
FORMULA = '=HYPERLINK("http://x","y")'
CSV_HEADER = [
    "STT / No.", "Bước / Step", "Tên bước / Step name", "Trạng thái / State",
    "Bên giao / Giver", "Bộ phận nhận / Receiving department", "Người nhận / Receiver",
    "Thời điểm sẵn sàng / Ready at", "Thời điểm nhận xử lý / Claimed at",
    "Thời điểm hoàn thành / Completed at", "Giờ làm việc chờ / Waiting working hours",
    "Giờ làm việc xử lý / Working hours", "Thời gian quy định (giờ) / Budget hours",
    "Hạn xử lý / Due at", "Kết quả / Verdict",
]


def receive_business_household(http, staff) -> dict:
    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": PROCEDURE_CODES["business_household"], "applicant": APPLICANT,
        "form_data": BUSINESS["intake"]})
    assert response.status_code == 201, response.text
    return response.json()


def open_step_id(http, staff, code: str, step: str) -> int:
    dossier = http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers).json()
    return next(s["id"] for s in dossier["open_steps"] if s["step"] == step)


def claim(http, person, task_id: int) -> None:
    response = http.post(f"/api/v1/tasks/{task_id}/claim", headers=person.headers)
    assert response.status_code == 200, response.text


def complete(http, person, task_id: int, form_data: dict) -> None:
    response = http.post(f"/api/v1/tasks/{task_id}/complete", headers=person.headers,
                         json={"form_data": form_data})
    assert response.status_code == 200, response.text


@pytest.fixture
def processed_dossier(http, staff) -> str:
    """Received Mon 09:00, reviewed Mon 10:00-Tue 11:00, approved Wed 08:30-14:00."""
    with time_machine.travel(MON_0900, tick=False) as clock:
        code = receive_business_household(http, staff)["code"]
        clock.move_to(MON_1000)
        review = open_step_id(http, staff, code, "review")
        claim(http, staff["economic"], review)
        clock.move_to(TUE_1100)
        complete(http, staff["economic"], review, dict(BUSINESS["happy"][0][1]))
        clock.move_to(WED_0830)
        approval = open_step_id(http, staff, code, "head_approval")
        claim(http, staff["economic_head"], approval)
        clock.move_to(WED_1400)
        complete(http, staff["economic_head"], approval, dict(BUSINESS["happy"][1][1]))
    return code


def control_sheet(http, person, code: str, at: datetime, *, params=None, accept=None):
    headers = {**person.headers, **({"Accept": accept} if accept else {})}
    with time_machine.travel(at, tick=False):
        return http.get(f"/api/v1/dossiers/{code}/control-sheet", headers=headers,
                        params=params)


def test_the_sheet_shows_every_handoff_with_its_times_hours_and_verdict(
        http, staff, processed_dossier):
    response = control_sheet(http, staff["supervisor"], processed_dossier, THU_1000)

    assert response.status_code == 200, response.text
    sheet = response.json()
    assert {key: value for key, value in sheet.items() if key != "rows"} == {
        "dossier_code": processed_dossier,
        "procedure_code": "MC.HKD.001",
        "procedure_name_vi": "Đăng ký thành lập hộ kinh doanh",
        "procedure_name_en": "Business household registration", "procedure_version": 1,
        "received_at": "2026-03-02T09:00:00+07:00",
        "received_by": "reception",
        # 3 working days of 8 hours from Mon 09:00: Mon 7 + Tue 8 + Wed 8 + Thu 1.
        "appointment_at": "2026-03-05T09:00:00+07:00",
        "status": 9,
        "status_label_vi": "Đã xử lý xong",
        "status_label_en": "Processed",
        "processed_at": "2026-03-04T14:00:00+07:00",
        "outcome": "early",
        "generated_at": "2026-03-05T10:00:00+07:00",
    }
    assert sheet["rows"] == [
        {
            "step": "review",
            "step_name": "Thẩm định hồ sơ, dự thảo Giấy chứng nhận đăng ký hộ kinh doanh",
            "state": "completed",
            "giver": "reception",
            "receiver_department": "ECONOMIC",
            "receiver": "economic",
            "ready_at": "2026-03-02T09:00:00+07:00",
            "claimed_at": "2026-03-02T10:00:00+07:00",
            "completed_at": "2026-03-03T11:00:00+07:00",
            "waiting_hours": 1.0,  # Mon 09-10
            "working_hours": 9.0,  # Mon 10-12, 13-17; Tue 08-11
            "budget_hours": 16.0,
            "due_at": "2026-03-04T09:00:00+07:00",  # Mon 7 + Tue 8 + Wed 1
            "verdict": "early",  # done Tuesday, due Wednesday
        },
        {
            "step": "head_approval",
            "step_name": "Phê duyệt, cấp Giấy chứng nhận đăng ký hộ kinh doanh",
            "state": "completed",
            "giver": "economic",
            "receiver_department": "ECONOMIC",
            "receiver": "economic_head",
            "ready_at": "2026-03-03T11:00:00+07:00",
            "claimed_at": "2026-03-04T08:30:00+07:00",
            "completed_at": "2026-03-04T14:00:00+07:00",
            "waiting_hours": 5.5,  # Tue 11-12, 13-17; Wed 08-08:30
            "working_hours": 4.5,  # Wed 08:30-12, 13-14
            "budget_hours": 8.0,
            "due_at": "2026-03-04T11:00:00+07:00",  # Tue 1 + 4, Wed 3
            "verdict": "late",
        },
        {
            "step": "return_result",
            "step_name": "Trả Giấy chứng nhận đăng ký hộ kinh doanh",
            "state": "ready",
            "giver": "economic_head",
            "receiver_department": "RECEPTION",
            "receiver": None,
            "ready_at": "2026-03-04T14:00:00+07:00",
            "claimed_at": None,
            "completed_at": None,
            "waiting_hours": 5.0,  # so far: Wed 14-17, Thu 08-10
            "working_hours": None,
            "budget_hours": 4.0,
            "due_at": "2026-03-05T09:00:00+07:00",  # Wed 3 + Thu 1
            "verdict": "overdue",
        },
    ]


def test_an_open_claimed_step_counts_its_working_hours_so_far_and_is_in_progress(http, staff):
    with time_machine.travel(MON_0900, tick=False) as clock:
        code = receive_business_household(http, staff)["code"]
        clock.move_to(MON_1000)
        claim(http, staff["economic"], open_step_id(http, staff, code, "review"))

    response = control_sheet(http, staff["economic"], code, MON_1530)

    assert response.status_code == 200, response.text
    [row] = response.json()["rows"]
    assert (row["state"], row["receiver"], row["claimed_at"], row["completed_at"]) == (
        "claimed", "economic", "2026-03-02T10:00:00+07:00", None)
    assert row["waiting_hours"] == 1.0
    assert row["working_hours"] == 4.5  # Mon 10-12, 13-15:30
    assert row["verdict"] == "in progress"


def test_the_sheet_downloads_as_csv_with_a_bilingual_header_and_one_row_per_step(
        http, staff, processed_dossier):
    response = control_sheet(http, staff["supervisor"], processed_dossier, THU_1000,
                             params={"format": "csv"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="control-sheet-{processed_dossier}.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        CSV_HEADER,
        ["1", "review", "Thẩm định hồ sơ, dự thảo Giấy chứng nhận đăng ký hộ kinh doanh",
         "completed", "reception", "ECONOMIC", "economic", "2026-03-02T09:00+07:00",
         "2026-03-02T10:00+07:00", "2026-03-03T11:00+07:00", "1", "9", "16",
         "2026-03-04T09:00+07:00", "early"],
        ["2", "head_approval", "Phê duyệt, cấp Giấy chứng nhận đăng ký hộ kinh doanh",
         "completed", "economic", "ECONOMIC", "economic_head", "2026-03-03T11:00+07:00",
         "2026-03-04T08:30+07:00", "2026-03-04T14:00+07:00", "5.5", "4.5", "8",
         "2026-03-04T11:00+07:00", "late"],
        ["3", "return_result", "Trả Giấy chứng nhận đăng ký hộ kinh doanh", "ready",
         "economic_head", "RECEPTION", "", "2026-03-04T14:00+07:00", "", "", "5", "", "4",
         "2026-03-05T09:00+07:00", "overdue"],
    ]


def test_an_accept_header_preferring_csv_gets_csv(http, staff, processed_dossier):
    response = control_sheet(http, staff["supervisor"], processed_dossier, THU_1000,
                             accept="text/csv")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    header, *steps = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert header == CSV_HEADER
    assert [row[1] for row in steps] == ["review", "head_approval", "return_result"]


def test_a_designer_may_not_read_a_control_sheet(http, staff, processed_dossier):
    response = control_sheet(http, staff["designer"], processed_dossier, THU_1000)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_permitted"


def test_an_unknown_dossier_code_is_a_404(http, staff):
    response = control_sheet(http, staff["supervisor"], "000.00.00.X00-260302-9999", THU_1000)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "dossier_not_found"


def test_a_step_named_like_a_formula_is_inert_in_the_csv(http, staff, session,
                                                         processed_dossier):
    session.execute(update(HumanTask).where(HumanTask.dossier_code == processed_dossier,
                                            HumanTask.step == "review")
                    .values(step_name=FORMULA))
    session.commit()

    response = control_sheet(http, staff["supervisor"], processed_dossier, THU_1000,
                             params={"format": "csv"})

    assert response.status_code == 200, response.text
    header, review, *_ = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert review[2] == f"'{FORMULA}"
    assert review[10:13] == ["1", "9", "16"]  # numbers stay numbers
