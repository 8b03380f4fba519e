"""A citizen looks a dossier up on the /tra-cuu page with its code and PIN, without signing in."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from engine.procedures import WORKFLOWS_DIR
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, BIRTH_INTAKE, do_step, open_step, received

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BIRTH_STEPS = json.loads((WORKFLOWS_DIR / "birth_registration" / "samples.json")
                         .read_text(encoding="utf-8"))["steps"]
WRONG_CODE_OR_PIN = "Không tìm thấy hồ sơ với mã hồ sơ và mã PIN này."
# 15 s into a one-minute window: the next window starts in 45 s.
IN_A_WINDOW = datetime(2026, 3, 2, 2, 0, 15, tzinfo=UTC)
PERSONAL = [APPLICANT["full_name"], APPLICANT["id_number"], APPLICANT["phone"],
            BIRTH_INTAKE["child_full_name"], BIRTH_INTAKE["mother_full_name"]]


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def look_up(http, code: str, pin: str):
    """Open the page from the slip's link, then post the PIN in the form as a browser does."""
    form = http.get("/tra-cuu", params={"ma": code})
    assert form.status_code == 200, form.text
    return http.post("/tra-cuu", data={"ma": code, "pin": pin,
                                       "csrf_token": form_token(form.text)})


def local(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(HANOI):%d/%m/%Y %H:%M}"


def public_json(http, dossier: dict) -> dict:
    response = http.post(f"/api/v1/public/dossiers/{dossier['code']}/lookup",
                         json={"pin": dossier["pin"]})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def dossier(http, staff) -> dict:
    return received(http, staff["reception"])


def reviewed(http, staff, dossier: dict, outcome: str) -> None:
    step = open_step(http, staff["office"], dossier["code"], "review")
    do_step(http, staff["office"], step["id"], BIRTH_STEPS["review"][outcome])


def test_the_slip_link_fills_in_the_code_and_never_the_pin(http, dossier):
    page = http.get("/tra-cuu", params={"ma": dossier["code"], "pin": dossier["pin"]})

    assert page.status_code == 200
    assert 'lang="vi"' in page.text
    assert f'name="ma" value="{dossier["code"]}"' in page.text
    assert re.search(r'<form method="post"', page.text)
    assert 'id="pin" name="pin" type="password"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    # A PIN put in the URL is neither used nor shown (the random form token aside).
    assert dossier["pin"] not in page.text.replace(form_token(page.text), "")
    assert 'data-testid="lookup-result"' not in page.text


def test_code_and_pin_show_status_in_vietnamese_and_times_in_local_time(http, dossier):
    page = look_up(http, dossier["code"], dossier["pin"])

    assert page.status_code == 200, page.text
    assert "Đăng ký khai sinh" in page.text
    assert '<strong class="status" data-testid="status">Đang xử lý</strong>' in page.text
    assert f'data-testid="received-at">{local(dossier["received_at"])}<' in page.text
    assert f'data-testid="appointment-at">{local(dossier["appointment_at"])}<' in page.text
    assert "+00:00" not in page.text
    assert 'data-testid="clock-paused"' not in page.text


def test_a_supplement_request_shows_the_documents_the_officer_listed(http, staff, dossier):
    reviewed(http, staff, dossier, "supplement")

    page = look_up(http, dossier["code"], dossier["pin"])
    body = public_json(http, dossier)

    asked = BIRTH_STEPS["review"]["supplement"]["missing_documents"]
    assert body["status"] == 5 and body["missing_documents"] == asked
    assert body["refusal_reason"] is None and body["clock_paused"] is True
    assert "Yêu cầu bổ sung" in page.text
    assert 'data-testid="clock-paused"' in page.text
    listed = re.search(r'data-testid="missing-documents">(.*?)</ul>', page.text, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", listed) == asked


def test_a_second_supplement_request_shows_only_the_documents_asked_the_second_time(
        http, staff, dossier):
    reviewed(http, staff, dossier, "supplement")
    step = open_step(http, staff["reception"], dossier["code"], "request_supplement")
    do_step(http, staff["reception"], step["id"], BIRTH_STEPS["request_supplement"]["default"])
    step = open_step(http, staff["office"], dossier["code"], "review")
    asked_again = ["Văn bản xác nhận của người làm chứng về việc sinh"]
    do_step(http, staff["office"], step["id"], {"review_decision": "supplement",
                                                "missing_documents": asked_again})

    body = public_json(http, dossier)

    assert (body["status"], body["missing_documents"]) == (5, asked_again)


def test_a_refusal_shows_the_officers_reason(http, staff, dossier):
    reviewed(http, staff, dossier, "refuse")

    page = look_up(http, dossier["code"], dossier["pin"])
    body = public_json(http, dossier)

    reason = BIRTH_STEPS["review"]["refuse"]["refusal_reason"]
    assert (body["status"], body["refusal_reason"], body["missing_documents"]) == (3, reason, [])
    assert "Không được tiếp nhận" in page.text
    assert f'data-testid="refusal-reason">{reason}</p>' in page.text


def test_neither_the_page_nor_the_json_shows_personal_data(http, staff, dossier):
    reviewed(http, staff, dossier, "supplement")

    page = look_up(http, dossier["code"], dossier["pin"])
    body = http.post(f"/api/v1/public/dossiers/{dossier['code']}/lookup",
                     json={"pin": dossier["pin"]}).text

    assert page.status_code == 200
    for value in PERSONAL:
        assert value not in page.text
        assert value not in body


@pytest.mark.parametrize("wrong", ["code", "pin"])
def test_a_wrong_code_or_pin_gives_one_message_that_does_not_say_which(http, session, dossier,
                                                                      wrong):
    code = dossier["code"][:-1] + "9" if wrong == "code" else dossier["code"]
    pin = f"{(int(dossier['pin']) + 1) % 1_000_000:06d}" if wrong == "pin" else dossier["pin"]
    before = snapshot(session)

    page = look_up(http, code, pin)

    assert page.status_code == 404
    message = re.search(r'data-testid="lookup-error">(.*?)</p>', page.text).group(1)
    assert message.startswith(WRONG_CODE_OR_PIN)
    assert 'data-testid="lookup-result"' not in page.text
    assert snapshot(session) == before


def test_a_malformed_pin_is_refused_before_any_lookup(http, dossier):
    page = look_up(http, dossier["code"], "12ab")

    assert page.status_code == 422
    assert "mã PIN gồm 6 chữ số" in page.text


def test_a_post_without_the_form_token_is_refused_and_counts_no_lookup(http, session, dossier):
    before = snapshot(session)

    forged = http.post("/tra-cuu", data={"ma": dossier["code"], "pin": dossier["pin"],
                                         "csrf_token": "forged"})

    assert forged.status_code == 400
    assert "Trang tra cứu đã hết hạn" in forged.text
    assert 'data-testid="lookup-result"' not in forged.text
    assert snapshot(session) == before


def test_too_many_lookups_give_a_vietnamese_message_with_when_to_retry(app, http, dossier):
    app.config["MOTCUA_LOOKUP_LIMIT_PER_DOSSIER"] = 2
    wrong_pin = f"{(int(dossier['pin']) + 1) % 1_000_000:06d}"
    with time_machine.travel(IN_A_WINDOW, tick=False) as clock:
        guesses = [look_up(http, dossier["code"], wrong_pin) for _ in range(2)]
        limited = look_up(http, dossier["code"], dossier["pin"])
        clock.move_to(IN_A_WINDOW + timedelta(seconds=45))
        next_window = look_up(http, dossier["code"], dossier["pin"])

    assert [g.status_code for g in guesses] == [404, 404]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "45"
    assert "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau 45 giây." in limited.text
    assert 'data-testid="lookup-result"' not in limited.text
    assert next_window.status_code == 200


def test_the_page_speaks_english_when_the_browser_prefers_it(http, dossier):
    http.headers["Accept-Language"] = "en-US,en;q=0.9"

    page = look_up(http, dossier["code"], dossier["pin"])

    assert 'lang="en"' in page.text
    assert 'data-testid="status">Processing</strong>' in page.text
    assert f'data-testid="appointment-at">{local(dossier["appointment_at"])}<' in page.text
