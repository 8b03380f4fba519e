"""The citizen's lookup: the PIN never in a URL, and limited per client and per dossier."""

from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from sqlalchemy import func, select

from api import create_app
from api.extensions import db
from engine.models import RateLimitCounter
from engine.rate_limits import REDIS_PREFIX
from tests.conftest import SECRET_KEY, snapshot
from tests.e2e.helpers import received

REDIS_URL = "redis://127.0.0.1:6379/0"
# 15 s into a one-minute window: the next window starts in 45 s.
IN_A_WINDOW = datetime(2026, 3, 2, 2, 0, 15, tzinfo=UTC)
PER_CLIENT, PER_DOSSIER = 4, 2


def lookup_url(code: str) -> str:
    return f"/api/v1/public/dossiers/{code}"


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def assert_too_many(response, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["Retry-After"] == str(retry_after)
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (429, "too_many_requests")
    assert f"thử lại sau {retry_after} giây" in error["message"]  # Vietnamese unless asked


@pytest.fixture
def dossier(http, staff) -> dict:
    return received(http, staff["reception"])


@pytest.fixture(params=["database", "redis"])
def host(request, database, app):
    """Build API hosts on the test database with small limits, counting in the store given."""
    overrides = {"SQLALCHEMY_DATABASE_URI": database, "MOTCUA_SECRET_KEY": SECRET_KEY,
                 "MOTCUA_LOOKUP_LIMIT_PER_CLIENT": PER_CLIENT,
                 "MOTCUA_LOOKUP_LIMIT_PER_DOSSIER": PER_DOSSIER}
    if request.param == "redis":
        overrides["MOTCUA_REDIS_URL"] = REDIS_URL
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{REDIS_PREFIX}*"))
        if keys:
            client.delete(*keys)

    built = []

    def build(**more):
        built.append(create_app({**overrides, **more}))
        return built[-1].test_client()
    yield build
    for host_app in built:
        with host_app.app_context():
            db.engine.dispose()
    if request.param == "redis":
        keys = list(client.scan_iter(f"{REDIS_PREFIX}*"))
        if keys:
            client.delete(*keys)


def test_the_pin_in_a_header_or_a_body_shows_the_dossier(http, dossier):
    by_header = http.get(lookup_url(dossier["code"]), headers={"X-Dossier-PIN": dossier["pin"]})
    by_body = http.post(f"{lookup_url(dossier['code'])}/lookup", json={"pin": dossier["pin"]})

    assert by_header.status_code == 200, by_header.text
    assert by_body.json() == by_header.json()
    assert by_header.json()["code"] == dossier["code"]


@pytest.mark.parametrize(("method", "path"), [("GET", ""), ("POST", "/lookup")])
def test_a_pin_in_the_url_is_a_400_saying_where_to_send_it(http, session, dossier, method,
                                                            path):
    before = snapshot(session)

    response = http.request(method, f"{lookup_url(dossier['code'])}{path}",
                            params={"pin": dossier["pin"]}, json={"pin": dossier["pin"]})

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "X-Dossier-PIN" in error["message"] and f"{dossier['code']}/lookup" in error["message"]
    assert snapshot(session) == before
    assert session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0


def test_a_missing_pin_is_a_422_naming_the_header(http, dossier):
    response = http.get(lookup_url(dossier["code"]))

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["details"]["fields"]] == [
        "X-Dossier-PIN"]


def test_wrong_pins_for_one_dossier_are_limited_even_from_many_clients(host, dossier):
    first, second = host(MOTCUA_TRUSTED_PROXIES=1), host(MOTCUA_TRUSTED_PROXIES=1)
    with time_machine.travel(IN_A_WINDOW, tick=False) as clock:
        guesses = [api.get(lookup_url(dossier["code"]),
                           headers={"X-Dossier-PIN": wrong(dossier["pin"]),
                                    "X-Forwarded-For": f"203.0.113.{n}"})
                   for n, api in enumerate([first, second, first])]
        right_pin = second.get(lookup_url(dossier["code"]),
                               headers={"X-Dossier-PIN": dossier["pin"],
                                        "X-Forwarded-For": "203.0.113.9"})
        clock.move_to(IN_A_WINDOW + timedelta(seconds=45))
        next_window = first.get(lookup_url(dossier["code"]),
                                headers={"X-Dossier-PIN": dossier["pin"]})

    assert [r.status_code for r in guesses[:PER_DOSSIER]] == [404] * PER_DOSSIER
    assert_too_many(guesses[PER_DOSSIER], retry_after=45)
    assert_too_many(right_pin, retry_after=45)
    assert next_window.status_code == 200, next_window.text


def test_one_client_is_limited_across_dossiers_and_api_hosts(host, http, staff):
    codes = [received(http, staff["reception"])["code"] for _ in range(PER_CLIENT + 1)]
    first, second = host(), host()
    with time_machine.travel(IN_A_WINDOW, tick=False):
        answers = [(first if n % 2 else second).get(
            lookup_url(code), headers={"X-Dossier-PIN": "000000",
                                       "X-Forwarded-For": f"198.51.100.{n}"})
            for n, code in enumerate(codes)]

    assert [r.status_code for r in answers[:PER_CLIENT]] == [404] * PER_CLIENT
    assert_too_many(answers[PER_CLIENT], retry_after=45)


def test_forwarded_addresses_count_as_clients_only_behind_trusted_proxies(host, http, staff):
    codes = [received(http, staff["reception"])["code"] for _ in range(PER_CLIENT + 1)]
    proxied = host(MOTCUA_TRUSTED_PROXIES=1)
    with time_machine.travel(IN_A_WINDOW, tick=False):
        answers = [proxied.get(lookup_url(code),
                               headers={"X-Dossier-PIN": "000000",
                                        "X-Forwarded-For": f"198.51.100.{n}"})
                   for n, code in enumerate(codes)]

    assert [r.status_code for r in answers] == [404] * (PER_CLIENT + 1)


def test_expired_windows_are_purged_from_the_database(http, session):
    with time_machine.travel(IN_A_WINDOW, tick=False) as clock:
        http.get(lookup_url("X-1"), headers={"X-Dossier-PIN": "000000"})
        clock.move_to(IN_A_WINDOW + timedelta(minutes=5))
        http.get(lookup_url("X-2"), headers={"X-Dossier-PIN": "000000"})

    session.expire_all()
    expiries = set(session.scalars(select(RateLimitCounter.expires_at)))
    assert expiries == {datetime(2026, 3, 2, 2, 6, tzinfo=UTC)}


def test_lookups_are_refused_with_503_while_redis_cannot_be_reached(database, app, dossier):
    unreachable = create_app({"SQLALCHEMY_DATABASE_URI": database,
                              "MOTCUA_SECRET_KEY": SECRET_KEY,
                              "MOTCUA_REDIS_URL": "redis://127.0.0.1:1/0"})

    response = unreachable.test_client().get(lookup_url(dossier["code"]),
                                             headers={"X-Dossier-PIN": dossier["pin"]})

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "unavailable"
    with unreachable.app_context():
        db.engine.dispose()
