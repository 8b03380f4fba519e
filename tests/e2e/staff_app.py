"""Drive the staff app's forms over HTTP as a browser does: read the CSRF token, post it back."""

import re

import httpx

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW, snapshot

PASSWORD = "mật-khẩu-đủ-dài"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')



def name_staff(session, staff: dict, full_names: dict[str, str]) -> dict:
    """Give these of the test's staff their full names and a password for the app."""
    for username, full_name in full_names.items():
        user = session.get(User, staff[username].id)
        user.full_name = full_name
        set_password(session, user, PASSWORD, actor="test", now=NOW)
    session.commit()
    return staff


def csrf_token(page: httpx.Response) -> str:
    """Return the CSRF token of the first form on the page."""
    found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF token on {page.url}: {page.text[:300]}"
    return found.group(1)


def sign_in(http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    """Open the sign-in page and post its form; return the answer (not followed)."""
    form = http.get("/dang-nhap")
    return http.post("/dang-nhap", data={"username": username, "password": password,
                                         "csrf_token": csrf_token(form)})


def post_form(http: httpx.Client, page: str, action: str, data: dict) -> httpx.Response:
    """Open `page`, then post `data` with the page's CSRF token to `action`."""
    token = csrf_token(http.get(page))
    return http.post(action, data={**data, "csrf_token": token})


def data_rows(session) -> dict:
    """Every table but the sessions, whose last-activity time every page view moves on."""
    return {name: rows for name, rows in snapshot(session).items() if name != "web_sessions"}
