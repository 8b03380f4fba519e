"""Staff sign in to the app at `/` with a password: sessions, lockout, CSRF, passwords."""

import threading
from datetime import timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.serving import make_server

from api import create_app
from api.extensions import db
from engine.models import AuditEvent, User, WebSession
from engine.passwords import set_password
from tests.conftest import NOW, SECRET_KEY, snapshot
from tests.e2e.staff_app import PASSWORD, csrf_token, post_form, sign_in

NEW_PASSWORD = "một-mật-khẩu-mới"


@pytest.fixture
def reception(staff, session):
    """The receptionist, named and with a password for the app."""
    user = session.get(User, staff["reception"].id)
    user.full_name = "Nguyễn Thị Lan"
    set_password(session, user, PASSWORD, actor="test", now=NOW)
    return staff["reception"]


def live_sessions(session) -> int:
    session.expire_all()
    count = session.scalar(select(func.count()).select_from(WebSession))
    session.commit()
    return count


def audited(session, action: str) -> list[tuple[str, dict]]:
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                             .order_by(AuditEvent.id))
    found = [(event.actor, event.after) for event in events]
    session.commit()
    return found


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [header for header in response.headers.get_list("set-cookie")
            if header.startswith(f"{name}=")]


def test_signed_out_the_app_sends_the_browser_to_the_sign_in_page(http):
    response = http.get("/")

    assert response.status_code == 302
    assert response.headers["location"] == "/dang-nhap"
    page = http.get("/dang-nhap")
    assert page.status_code == 200
    assert '<label for="username">Tên đăng nhập</label>' in page.text
    assert '<label for="password">Mật khẩu</label>' in page.text


def test_signing_in_opens_the_home_page_and_signing_out_ends_the_session(
        http, reception, session):
    signed_in = sign_in(http, "reception")

    assert signed_in.status_code == 302 and signed_in.headers["location"] == "/"
    [cookie] = set_cookie_headers(signed_in, "motcua_session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on localhost still works
    home = http.get("/")
    assert home.status_code == 200
    assert "Nguyễn Thị Lan" in home.text
    assert "Cán bộ tiếp nhận · Bộ phận Một cửa" in home.text
    assert 'href="/designer"' not in home.text  # a receptionist designs nothing
    assert home.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    assert live_sessions(session) == 1

    signed_out = http.post("/dang-xuat", data={"csrf_token": csrf_token(home)})

    assert signed_out.status_code == 302 and signed_out.headers["location"] == "/dang-nhap"
    assert live_sessions(session) == 0
    assert http.get("/").status_code == 302


def test_the_session_cookie_is_not_a_bearer_token_and_a_token_opens_no_page(
        http, reception):
    assert http.get("/", headers=reception.headers).status_code == 302
    sign_in(http, "reception")

    # The cookie alone opens nothing in the API: it needs the session's CSRF token with it.
    assert http.get("/api/v1/dossiers").status_code == 403


def test_a_wrong_password_is_refused_in_vietnamese_and_opens_no_session(
        http, reception, session):
    refused = sign_in(http, "reception", "không-phải-mật-khẩu")
    unknown = sign_in(http, "nobody", PASSWORD)

    assert refused.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in refused.text
    assert unknown.status_code == 422 and "không đúng" in unknown.text
    assert live_sessions(session) == 0
    assert http.get("/").status_code == 302


def test_a_username_no_database_can_store_is_a_wrong_username(http, reception, session):
    assert sign_in(http, "reception\x00", PASSWORD).status_code == 422
    assert live_sessions(session) == 0


def test_a_user_without_a_password_cannot_sign_in(http, staff):
    assert sign_in(http, "office", "").status_code == 422


def test_five_wrong_passwords_lock_the_account_until_the_lock_ends(http, reception, session):
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(4):
            assert sign_in(http, "reception", "sai-mật-khẩu-rồi").status_code == 422

        locked = sign_in(http, "reception", "sai-mật-khẩu-rồi")
        right_but_locked = sign_in(http, "reception")
        clock.move_to(NOW + timedelta(minutes=14, seconds=59))
        still_locked = sign_in(http, "reception")
        clock.move_to(NOW + timedelta(minutes=15, seconds=1))
        unlocked = sign_in(http, "reception")

    # 02:15 UTC is 09:15 in Hà Nội.
    message = "Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần. Hãy thử lại sau 02/03/2026 09:15."
    assert locked.status_code == 429 and message in locked.text
    assert right_but_locked.status_code == 429 and message in right_but_locked.text
    assert still_locked.status_code == 429
    assert unlocked.status_code == 302 and unlocked.headers["location"] == "/"
    assert audited(session, "user.locked") == [
        ("system", {"username": "reception", "until": "2026-03-02T02:15:00+00:00"})]


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(
        http, reception, session):
    sign_in(http, "reception")
    before = snapshot(session)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
              "new_password_again": NEW_PASSWORD}

    without = http.post("/doi-mat-khau", data=change)
    wrong = http.post("/doi-mat-khau", data={**change, "csrf_token": "x" * 43})
    sign_out = http.post("/dang-xuat")

    for refused in (without, wrong, sign_out):
        assert refused.status_code == 400
        assert "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của motcua" in refused.text
    # Only the session's last-seen time moved.
    after = snapshot(session)
    assert {name: rows for name, rows in after.items() if name != "web_sessions"} == {
        name: rows for name, rows in before.items() if name != "web_sessions"}
    assert live_sessions(session) == 1
    token = csrf_token(http.get("/doi-mat-khau"))
    with_header = http.post("/doi-mat-khau", data=change, headers={"X-CSRF-Token": token})
    assert with_header.status_code == 200, with_header.text


def test_the_sign_in_form_needs_its_token_too(http, reception, session):
    http.get("/dang-nhap")

    refused = http.post("/dang-nhap", data={"username": "reception", "password": PASSWORD})

    assert refused.status_code == 400
    assert live_sessions(session) == 0


def test_a_session_of_a_deactivated_user_ends_at_its_next_request(
        http, reception, staff, session):
    sign_in(http, "reception")
    assert http.get("/").status_code == 200

    deactivated = http.post(f"/api/v1/users/{reception.id}/deactivate",
                            headers=staff["admin"].headers)

    assert deactivated.status_code == 200
    ended = http.get("/")
    assert ended.status_code == 302 and ended.headers["location"] == "/dang-nhap"
    assert live_sessions(session) == 0


def test_a_session_unused_past_the_idle_timeout_ends(http, reception, session):
    with time_machine.travel(NOW, tick=False) as clock:
        sign_in(http, "reception")
        clock.move_to(NOW + timedelta(minutes=29))
        kept_alive = http.get("/")
        clock.move_to(NOW + timedelta(minutes=29 + 30))
        still_in = http.get("/")
        clock.move_to(NOW + timedelta(minutes=29 + 30 + 31))
        idle = http.get("/")

    assert kept_alive.status_code == 200 and still_in.status_code == 200
    assert idle.status_code == 302 and idle.headers["location"] == "/dang-nhap"
    assert live_sessions(session) == 0


def test_a_session_in_use_all_day_ends_twelve_hours_after_sign_in(http, reception, session):
    with time_machine.travel(NOW, tick=False) as clock:
        sign_in(http, "reception")
        answers = []
        for minutes in range(25, 12 * 60, 25):  # the last at 11:40 after sign-in
            clock.move_to(NOW + timedelta(minutes=minutes))
            answers.append(http.get("/").status_code)
        clock.move_to(NOW + timedelta(hours=12, minutes=5))
        past_lifetime = http.get("/")

    assert set(answers) == {200}
    assert past_lifetime.status_code == 302
    assert live_sessions(session) == 0


def test_a_forwarded_https_marks_the_cookie_secure_only_behind_a_trusted_proxy(
        http, reception, database):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
    untrusted = http.get("/dang-nhap", headers=forwarded)
    assert "Secure" not in set_cookie_headers(untrusted, "motcua_sign_in_csrf")[0]

    proxied = create_app({"SQLALCHEMY_DATABASE_URI": database, "TESTING": True,
                          "MOTCUA_SECRET_KEY": SECRET_KEY, "MOTCUA_TRUSTED_PROXIES": 1})
    server = make_server("127.0.0.1", 0, proxied, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}",
                          headers=forwarded, timeout=30) as behind_proxy:
            form = behind_proxy.get("/dang-nhap")
            [form_cookie] = set_cookie_headers(form, "motcua_sign_in_csrf")
            # A Secure cookie is not sent back over this test's plain http: hand it over.
            behind_proxy.cookies.set("motcua_sign_in_csrf", csrf_token(form))
            signed_in = behind_proxy.post("/dang-nhap", data={
                "username": "reception", "password": PASSWORD,
                "csrf_token": csrf_token(form)})
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()

    assert "Secure" in form_cookie
    assert signed_in.status_code == 302, signed_in.text
    [cookie] = set_cookie_headers(signed_in, "motcua_session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_user_changes_their_own_password_with_the_current_one(http, reception, session):
    sign_in(http, "reception")

    def change(current, new, again):
        return post_form(http, "/doi-mat-khau", "/doi-mat-khau", {
            "current_password": current, "new_password": new, "new_password_again": again})

    wrong_current = change("sai-mật-khẩu-rồi", NEW_PASSWORD, NEW_PASSWORD)
    mismatch = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    short = change(PASSWORD, "ngắn", "ngắn")
    changed = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD)

    assert wrong_current.status_code == 422 and "Mật khẩu hiện tại không đúng." in (
        wrong_current.text)
    assert mismatch.status_code == 422 and "không khớp" in mismatch.text
    assert short.status_code == 422 and "Mật khẩu mới phải có ít nhất 10 ký tự." in short.text
    assert changed.status_code == 200 and 'data-testid="password-changed"' in changed.text
    assert http.get("/").status_code == 200  # this session stays
    with httpx.Client(base_url=str(http.base_url)) as other:
        assert sign_in(other, "reception").status_code == 422
        assert sign_in(other, "reception", NEW_PASSWORD).status_code == 302
    assert [actor for actor, _ in audited(session, "user.password_set")] == ["test", "reception"]


def test_an_admin_resets_a_password_over_the_api_which_signs_the_user_out(
        http, reception, staff, session):
    sign_in(http, "reception")
    url = f"/api/v1/users/{reception.id}/password"

    by_head = http.post(url, json={"password": NEW_PASSWORD},
                        headers=staff["office_head"].headers)
    too_short = http.post(url, json={"password": "ngắn"}, headers=staff["admin"].headers)
    reset = http.post(url, json={"password": NEW_PASSWORD}, headers=staff["admin"].headers)

    assert by_head.status_code == 403
    assert too_short.status_code == 422
    assert reset.status_code == 200, reset.text
    assert reset.json()["username"] == "reception" and "password" not in reset.json()
    assert http.get("/").status_code == 302  # signed out everywhere
    with httpx.Client(base_url=str(http.base_url)) as other:
        assert sign_in(other, "reception", NEW_PASSWORD).status_code == 302
    assert audited(session, "user.password_set")[-1] == ("admin", {"username": "reception"})


def test_the_app_speaks_english_when_asked_and_remembers_it(http, reception):
    sign_in(http, "reception")

    english = http.get("/", params={"lang": "en"})
    remembered = http.get("/")
    preferred = httpx.get(http.base_url.join("/dang-nhap"), headers={"Accept-Language": "en-GB"})

    assert "Hello, Nguyễn Thị Lan" in english.text and "Sign out" in english.text
    assert "Receptionist" in remembered.text
    assert '<label for="username">Username</label>' in preferred.text
    assert "Xin chào" in http.get("/", params={"lang": "vi"}).text
