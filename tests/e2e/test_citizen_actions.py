"""On the /tra-cuu page, with code and PIN, a citizen withdraws a dossier or completes one.

The form posts of the two actions over real HTTP: the confirmation step, the reason, the
completion form pre-filled and refused field by field, and every refusal leaving the database
as it was (the lookup counters aside: a wrong PIN is counted, as on the JSON API).
"""

import re
from html import unescape

import pytest
import time_machine

from tests.conftest import snapshot
from tests.e2e.helpers import BIRTH_INTAKE, received
from tests.e2e.test_citizen_lookup import IN_A_WINDOW, form_token, look_up, reviewed
from tests.e2e.test_online_submission import answer, at, submitted

REASON = "Gia đình chuyển về quê, sẽ đăng ký khai sinh tại nơi cư trú mới."
MISSING = ["Ngày sinh của trẻ ghi sai; hãy sửa theo Giấy chứng sinh."]
CORRECTED = {**BIRTH_INTAKE, "child_date_of_birth": "2026-02-21"}


@pytest.fixture
def clock():
    """Monday 2 March 2026, 09:00 in Hà Nội, for the test and its live server."""
    with time_machine.travel(at(3, 2, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def dossier(http, staff, clock) -> dict:
    return received(http, staff["reception"])


@pytest.fixture
def incomplete(http, staff, clock) -> dict:
    """An online birth registration reception asked to complete."""
    dossier = submitted(http)
    response = answer(http, staff["reception"], dossier["code"], "ask-to-complete",
                      {"missing": MISSING})
    assert response.status_code == 200, response.text
    return dossier


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def hidden(html: str, form: str) -> dict:
    """Return the hidden inputs of the form posting to `form`, as a browser would send them."""
    found = re.search(rf'<form method="post" action="{form}"(.*?)</form>', html, re.S)
    assert found, f"no form posting to {form}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                           found.group(1)))


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'data-testid="error-{name}">(.*?)</div>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else None


def public_status(http, dossier: dict) -> dict:
    response = http.post(f"/api/v1/public/dossiers/{dossier['code']}/lookup",
                         json={"pin": dossier["pin"]})
    assert response.status_code == 200, response.text
    return response.json()


def test_withdrawal_asks_for_confirmation_then_shows_the_dossier_withdrawn_with_its_reason(
        http, session, dossier):
    page = look_up(http, dossier["code"], dossier["pin"])
    posted = hidden(page.text, "/tra-cuu/rut-ho-so")
    assert posted["ma"] == dossier["code"] and posted["pin"] == dossier["pin"]
    before = snapshot(session)

    confirmation = http.post("/tra-cuu/rut-ho-so", data=posted)

    assert confirmation.status_code == 200, confirmation.text
    assert "Không thể hoàn tác" in confirmation.text
    assert "thời hạn giải quyết không còn được tính" in confirmation.text
    assert confirmation.headers["Cache-Control"] == "no-store"
    assert snapshot(session) == before  # the confirmation only asks
    result = http.post("/tra-cuu/rut-ho-so/xac-nhan",
                       data={**hidden(confirmation.text, "/tra-cuu/rut-ho-so/xac-nhan"),
                             "ly_do": REASON})

    assert result.status_code == 200, result.text
    assert ('<strong class="status" data-testid="status">Công dân yêu cầu rút hồ sơ</strong>'
            in result.text)
    assert f'data-testid="end-reason">{REASON}</p>' in result.text
    assert 'data-testid="finished-at">02/03/2026 09:00<' in result.text
    assert 'action="/tra-cuu/rut-ho-so"' not in result.text  # nothing left to withdraw
    body = public_status(http, dossier)
    assert (body["status"], body["end_reason"]) == (7, REASON)


def test_a_withdrawal_without_a_reason_is_taken(http, dossier):
    page = look_up(http, dossier["code"], dossier["pin"])
    confirmation = http.post("/tra-cuu/rut-ho-so", data=hidden(page.text, "/tra-cuu/rut-ho-so"))

    result = http.post("/tra-cuu/rut-ho-so/xac-nhan",
                       data=hidden(confirmation.text, "/tra-cuu/rut-ho-so/xac-nhan"))

    assert result.status_code == 200, result.text
    assert (public_status(http, dossier)["status"], public_status(http, dossier)["end_reason"]
            ) == (7, None)


@pytest.mark.parametrize("target", ["/tra-cuu/rut-ho-so", "/tra-cuu/rut-ho-so/xac-nhan"])
def test_a_wrong_pin_withdraws_nothing_and_is_counted_as_a_lookup(app, http, session, dossier,
                                                                  target):
    app.config["MOTCUA_LOOKUP_LIMIT_PER_DOSSIER"] = 2
    page = look_up(http, dossier["code"], dossier["pin"])  # the limit's first lookup
    posted = hidden(page.text, "/tra-cuu/rut-ho-so")
    before = snapshot(session)

    refused = http.post(target, data={**posted, "pin": wrong(dossier["pin"]), "ly_do": REASON})
    # Every page carries a fresh form token: the next post sends the refusal page's.
    limited = http.post(target, data={**posted, "ly_do": REASON,
                                      "csrf_token": form_token(refused.text)})

    assert refused.status_code == 404
    assert "Không tìm thấy hồ sơ với mã hồ sơ và mã PIN này." in refused.text
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "Bạn đã tra cứu quá nhiều lần." in limited.text
    assert snapshot(session) == before


@pytest.mark.parametrize("target", ["/tra-cuu/rut-ho-so", "/tra-cuu/rut-ho-so/xac-nhan",
                                    "/tra-cuu/bo-sung"])
def test_a_post_without_the_form_token_is_refused_and_changes_nothing(http, session, dossier,
                                                                      target):
    before = snapshot(session)

    forged = http.post(target, data={"ma": dossier["code"], "pin": dossier["pin"],
                                     "ly_do": REASON, **BIRTH_INTAKE})

    assert forged.status_code == 400
    assert "Trang tra cứu đã hết hạn" in forged.text
    assert snapshot(session) == before


def test_a_decided_or_ended_dossier_offers_no_withdrawal_and_refuses_one(http, session,
                                                                         dossier):
    page = look_up(http, dossier["code"], dossier["pin"])
    posted = hidden(page.text, "/tra-cuu/rut-ho-so")
    first = http.post("/api/v1/public/dossiers/{}/withdrawal".format(dossier["code"]),
                      json={"pin": dossier["pin"]})
    assert first.status_code == 200, first.text
    before = snapshot(session)

    again = look_up(http, dossier["code"], dossier["pin"])
    confirmation = http.post("/tra-cuu/rut-ho-so",
                             data={**posted, "csrf_token": form_token(again.text)})
    confirmed = http.post("/tra-cuu/rut-ho-so/xac-nhan",
                          data={**posted, "csrf_token": form_token(confirmation.text)})

    assert 'action="/tra-cuu/rut-ho-so"' not in again.text
    assert confirmation.status_code == 409 and confirmed.status_code == 409
    assert "không thể rút" in confirmation.text
    assert 'data-testid="lookup-error"' in confirmed.text
    assert 'data-testid="status">Công dân yêu cầu rút hồ sơ<' in confirmed.text
    assert snapshot(session) == before


def test_an_online_submission_asked_to_complete_shows_the_form_filled_with_what_was_sent(
        http, incomplete):
    page = look_up(http, incomplete["code"], incomplete["pin"])

    assert page.status_code == 200, page.text
    listed = re.search(r'data-testid="missing-documents">(.*?)</ul>', page.text, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", listed) == MISSING
    assert 'data-testid="completion-form"' in page.text
    assert f'value="{BIRTH_INTAKE["child_full_name"]}"' in page.text
    assert f'value="{BIRTH_INTAKE["child_date_of_birth"]}"' in page.text
    assert re.search(r'value="male" checked', page.text)
    assert hidden(page.text, "/tra-cuu/bo-sung")["pin"] == incomplete["pin"]


def test_a_counter_dossier_asked_for_a_supplement_has_no_completion_form(http, staff,
                                                                          dossier):
    reviewed(http, staff, dossier, "supplement")

    page = look_up(http, dossier["code"], dossier["pin"])

    assert 'data-testid="missing-documents"' in page.text
    assert 'data-testid="completion-form"' not in page.text


def test_the_completed_form_waits_for_reception_again_with_its_verify_by_time(
        http, session, incomplete, clock):
    page = look_up(http, incomplete["code"], incomplete["pin"])
    clock.move_to(at(3, 3, 14))

    answer_page = http.post("/tra-cuu/bo-sung",
                            data={**hidden(page.text, "/tra-cuu/bo-sung"), **CORRECTED})

    assert answer_page.status_code == 200, answer_page.text
    assert 'data-testid="status">Mới đăng ký<' in answer_page.text
    # 8 working hours from Tuesday 14:00: 3 on Tuesday, 5 on Wednesday.
    assert 'data-testid="verify-by">04/03/2026 14:00<' in answer_page.text
    assert answer_page.headers["Cache-Control"] == "no-store"
    body = public_status(http, incomplete)
    assert (body["status"], body["missing_documents"]) == (1, [])
    again = look_up(http, incomplete["code"], incomplete["pin"])
    assert 'data-testid="completion-form"' not in again.text


def test_a_completion_with_errors_says_them_beside_each_field_and_changes_nothing(
        http, session, incomplete):
    page = look_up(http, incomplete["code"], incomplete["pin"])
    before = snapshot(session)

    refused = http.post("/tra-cuu/bo-sung", data={
        **hidden(page.text, "/tra-cuu/bo-sung"), **CORRECTED, "child_full_name": "",
        "child_date_of_birth": "21/02/2026"})

    assert refused.status_code == 422, refused.text
    assert "Biểu mẫu còn lỗi" in refused.text
    assert field_error(refused.text, "child_full_name")
    assert field_error(refused.text, "child_date_of_birth")
    assert field_error(refused.text, "mother_full_name") is None
    # What was typed is kept, the wrong date too, so the citizen corrects rather than retypes.
    assert 'value="21/02/2026"' in refused.text
    assert f'value="{CORRECTED["mother_full_name"]}"' in refused.text
    assert snapshot(session) == before


def test_a_completion_with_a_wrong_pin_is_refused_counted_and_changes_nothing(
        app, http, session, incomplete):
    app.config["MOTCUA_LOOKUP_LIMIT_PER_DOSSIER"] = 2
    with time_machine.travel(IN_A_WINDOW, tick=False):
        page = look_up(http, incomplete["code"], incomplete["pin"])
        posted = {**hidden(page.text, "/tra-cuu/bo-sung"), **CORRECTED}
        before = snapshot(session)
        refused = http.post("/tra-cuu/bo-sung", data={**posted, "pin": wrong(incomplete["pin"])})
        limited = http.post("/tra-cuu/bo-sung",
                            data={**posted, "csrf_token": form_token(refused.text)})

    assert refused.status_code == 404
    assert 'data-testid="completion-form"' not in refused.text
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "45"
    assert snapshot(session) == before


def test_a_completion_when_none_was_asked_is_refused(http, session, clock):
    waiting = submitted(http)
    page = look_up(http, waiting["code"], waiting["pin"])
    assert 'data-testid="completion-form"' not in page.text
    before = snapshot(session)

    refused = http.post("/tra-cuu/bo-sung", data={
        "csrf_token": form_token(page.text), "ma": waiting["code"], "pin": waiting["pin"],
        **CORRECTED})

    assert refused.status_code == 409
    assert 'data-testid="lookup-error"' in refused.text
    assert snapshot(session) == before


@pytest.mark.parametrize("asked_to_complete", [False, True], ids=["waiting", "incomplete"])
def test_an_online_submission_withdrawn_before_reception_answered_leaves_its_queue(
        http, staff, session, clock, asked_to_complete):
    dossier = submitted(http)
    if asked_to_complete:
        answer(http, staff["reception"], dossier["code"], "ask-to-complete", {"missing": MISSING})
    page = look_up(http, dossier["code"], dossier["pin"])
    confirmation = http.post("/tra-cuu/rut-ho-so", data=hidden(page.text, "/tra-cuu/rut-ho-so"))

    result = http.post("/tra-cuu/rut-ho-so/xac-nhan",
                       data={**hidden(confirmation.text, "/tra-cuu/rut-ho-so/xac-nhan"),
                             "ly_do": REASON})

    assert result.status_code == 200, result.text
    assert 'data-testid="completion-form"' not in result.text
    assert public_status(http, dossier)["status"] == 7
    queue = http.get("/api/v1/online-submissions", headers=staff["reception"].headers)
    assert queue.json() == []
    before = snapshot(session)
    accepted = answer(http, staff["reception"], dossier["code"], "accept")
    assert accepted.status_code == 409, accepted.text
    assert snapshot(session) == before
