"""The designer page is the staff app's: signed in with the session, its API calls with the
session cookie and the session's CSRF token; bearer tokens keep working for scripts."""

import re
from pathlib import Path

import pytest

import api.designer_ui
from tests.conftest import snapshot
from tests.e2e.staff_app import PASSWORD, csrf_token, name_staff, sign_in

CERTIFIED_COPY = "2.000815"
MODEL = (Path(__file__).resolve().parents[2] / "workflows" / "certified_copy"
         / "certified_copy.bpmn").read_text(encoding="utf-8")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def people(staff, session, versions_restored):
    """The test's designer and officer, with names and passwords; drafts undone after."""
    return name_staff(session, staff, {"designer": "Trần Thị Thiết Kế",
                                       "office": "Lê Văn Cán Bộ"})


def designer_page_token(http) -> str:
    """Open the designer page signed in and return the CSRF token it gives its scripts."""
    page = http.get("/designer")
    assert page.status_code == 200, page.text
    return CSRF_META.search(page.text).group(1)


def new_draft(note: str) -> dict:
    return {"bpmn_xml": MODEL, "change_note": note}


def versions(http, person) -> list[str]:
    listed = http.get(f"/api/v1/procedures/{CERTIFIED_COPY}/versions", headers=person.headers)
    return [v["state"] for v in listed.json()]


def test_signed_out_the_designer_sends_the_browser_to_sign_in_and_back(http, people):
    page = http.get("/designer")
    assert page.status_code == 302
    assert page.headers["Location"] == "/dang-nhap?next=/designer"

    form = http.get(page.headers["Location"])
    assert 'name="next" value="/designer"' in form.text
    signed_in = http.post("/dang-nhap", data={
        "username": "designer", "password": PASSWORD, "csrf_token": csrf_token(form),
        "next": "/designer"})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/designer"


def test_signing_in_goes_back_to_a_page_of_this_site_only(http, people):
    form = http.get("/dang-nhap", params={"next": "//evil.example/x"})
    answer = http.post("/dang-nhap", data={"username": "designer", "password": PASSWORD,
                                           "csrf_token": csrf_token(form),
                                           "next": "//evil.example/x"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"


def test_the_signed_in_page_carries_its_token_runs_only_its_own_scripts_and_needs_no_eval(
        http, people):
    sign_in(http, "designer")
    page = http.get("/designer")
    bundle = http.get("/designer/static/build/designer.js")

    assert page.status_code == 200
    assert CSRF_META.search(page.text)
    assert 'src="designer/static/build/designer.js"' in page.text
    assert 'src="designer/static/editors/index.js"' in page.text
    assert '<section id="editors" data-testid="editors"></section>' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert page.headers["Cache-Control"] == "no-store"
    assert bundle.status_code == 200
    assert "motcuaDesigner" in bundle.text
    assert not re.search(r"(?<![\w.$])eval\(|new Function\(", bundle.text)


def test_the_page_says_to_run_make_assets_when_the_bundle_is_missing(
        http, people, monkeypatch, tmp_path):
    sign_in(http, "designer")
    monkeypatch.setattr(api.designer_ui, "STATIC_DIR", tmp_path)

    page = http.get("/designer")

    assert page.status_code == 503
    assert "make assets" in page.json()["error"]["message"]


def test_the_session_and_its_token_authenticate_the_api_and_a_designer_saves_a_draft(
        http, people):
    sign_in(http, "designer")
    token = designer_page_token(http)

    listed = http.get("/api/v1/procedures", headers={"X-CSRF-Token": token})
    saved = http.post(f"/api/v1/procedures/{CERTIFIED_COPY}/versions",
                      json=new_draft("Lưu từ trang thiết kế"), headers={"X-CSRF-Token": token})

    assert listed.status_code == 200
    assert saved.status_code == 201, saved.text
    assert saved.json()["author"] == "designer"
    assert versions(http, people["designer"]) == ["published", "draft"]


@pytest.mark.parametrize("header", [None, "not-the-token"])
def test_the_session_cookie_without_its_token_is_refused_and_changes_nothing(
        http, people, session, header):
    sign_in(http, "designer")
    designer_page_token(http)
    before = snapshot(session)
    headers = {} if header is None else {"X-CSRF-Token": header}

    saved = http.post(f"/api/v1/procedures/{CERTIFIED_COPY}/versions",
                      json=new_draft("Từ một trang khác"), headers=headers)
    listed = http.get("/api/v1/procedures", headers=headers)

    assert saved.status_code == 403
    assert saved.json()["error"]["code"] == "csrf_refused"
    assert "X-CSRF-Token" in saved.json()["error"]["message"]
    assert listed.status_code == 403
    after = snapshot(session)
    # Only the session's last activity moves: no draft, no audit event.
    assert {k: v for k, v in after.items() if k != "web_sessions"} == {
        k: v for k, v in before.items() if k != "web_sessions"}


def test_the_cookie_of_a_session_signed_out_authenticates_nothing(http, people):
    sign_in(http, "designer")
    token = designer_page_token(http)
    cookie = http.cookies["motcua_session"]
    http.post("/dang-xuat", data={"csrf_token": token})
    http.cookies.set("motcua_session", cookie)

    listed = http.get("/api/v1/procedures", headers={"X-CSRF-Token": token})

    assert listed.status_code == 401
    assert listed.json()["error"]["code"] == "unauthenticated"


def test_who_may_write_models_is_unchanged_with_the_session(http, people, session):
    sign_in(http, "office")
    token = designer_page_token(http)
    before = snapshot(session)

    saved = http.post(f"/api/v1/procedures/{CERTIFIED_COPY}/versions",
                      json=new_draft("Cán bộ thử lưu"), headers={"X-CSRF-Token": token})

    assert saved.status_code == 403
    assert saved.json()["error"]["code"] == "not_permitted"
    assert {k: v for k, v in snapshot(session).items() if k != "web_sessions"} == {
        k: v for k, v in before.items() if k != "web_sessions"}


def test_a_bearer_token_still_works_and_wins_over_a_cookie(http, people):
    designer = people["designer"]
    sign_in(http, "office")  # the client now also holds an officer's session cookie

    listed = http.get("/api/v1/forms", headers=designer.headers)
    saved = http.post(f"/api/v1/procedures/{CERTIFIED_COPY}/versions",
                      json=new_draft("Lưu bằng token"), headers=designer.headers)

    assert listed.status_code == 200
    assert saved.status_code == 201, saved.text
    assert saved.json()["author"] == "designer"


def test_the_panel_lists_forms_with_titles_and_departments(http, people):
    designer = people["designer"]

    forms = http.get("/api/v1/forms", headers=designer.headers).json()
    departments = http.get("/api/v1/departments", headers=designer.headers).json()

    assert {"key": "certified_copy/certify", "title": "Đối chiếu và ghi lời chứng"} in forms
    assert {d["code"] for d in departments} >= {"RECEPTION", "OFFICE", "LEADERSHIP"}
    assert all(set(d) == {"code", "name_vi", "name_en", "external"} for d in departments)
