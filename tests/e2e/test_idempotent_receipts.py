"""Receipts with an Idempotency-Key: a retry returns the same dossier with a new PIN, once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.dossiers import receive_dossier_once
from engine.idempotency import ReceiptKey
from engine.models import AuditEvent, Dossier, IdempotencyKey, User
from engine.statuses import Channel
from engine.upkeep import upkeep
from tests.conftest import NOW, snapshot
from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE
from tests.e2e.test_concurrency_postgres import race

DOSSIERS = "/api/v1/dossiers"
BODY = {"procedure_code": BIRTH, "applicant": APPLICANT, "form_data": BIRTH_INTAKE}
KEY = "b3f1c2e0-receipt-0001"


def post(http, person, body=BODY, key: str | bytes | None = KEY):
    headers = dict(person.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post(DOSSIERS, json=body, headers=headers)


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def pin_works(http, code: str, pin: str) -> bool:
    response = http.get(f"/api/v1/public/dossiers/{code}", headers={"X-Dossier-PIN": pin})
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


def dossiers(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Dossier))


def test_a_retry_with_the_same_key_and_body_returns_the_same_dossier_with_a_new_pin(
        http, staff, session):
    first = created(post(http, staff["reception"]))

    again = created(post(http, staff["reception"]))

    assert (first["pin_reissued"], again["pin_reissued"]) == (False, True)
    assert again["code"] == first["code"] and again["pin"] != first["pin"]
    assert dossiers(session) == 1
    assert pin_works(http, first["code"], again["pin"])
    assert not pin_works(http, first["code"], first["pin"])
    reissued = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "dossier.pin_reissued")).all()
    assert [(e.actor, e.dossier_code, e.after) for e in reissued] == [
        ("reception", first["code"], {"idempotency_key": KEY})]


def test_the_body_is_compared_as_canonical_json(http, staff, session):
    first = created(post(http, staff["reception"]))
    reordered = dict(reversed(list(BODY.items())))

    again = http.post(DOSSIERS, content=f"  {reordered}  ".replace("'", '"'),
                      headers={**staff["reception"].headers, "Idempotency-Key": KEY,
                               "Content-Type": "application/json"})

    assert (created(again)["code"], dossiers(session)) == (first["code"], 1)


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(http, staff, session):
    created(post(http, staff["reception"]))
    before = snapshot(session)

    response = post(http, staff["reception"], body={**BODY, "channel": 3})

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert snapshot(session) == before


def test_a_key_belongs_to_the_user_who_sent_it(http, staff, session):
    first = created(post(http, staff["reception"]))

    other = created(post(http, staff["reception2"]))

    assert other["code"] != first["code"] and other["pin_reissued"] is False
    assert dossiers(session) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "clé".encode(), "tab\tinside"],
                         ids=["empty", "too-long", "not-ascii", "control-character"])
def test_a_malformed_key_is_refused_and_changes_nothing(http, staff, session, key):
    before = snapshot(session)

    response = post(http, staff["reception"], key=key)

    assert response.status_code == 422, response.text
    assert "Idempotency-Key" in str(response.json()["error"]["details"])
    assert snapshot(session) == before


def test_a_receipt_without_a_key_is_never_a_replay(http, staff, session):
    first = created(post(http, staff["reception"], key=None))

    second = created(post(http, staff["reception"], key=None))

    assert first["code"] != second["code"] and not second["pin_reissued"]


def receive_once(app, session, person, now):
    user = session.get(User, person.id)
    return receive_dossier_once(session, app.extensions["motcua"],
                                key=ReceiptKey.of(KEY, BODY), user=user, now=now,
                                procedure_code=BIRTH, applicant=APPLICANT,
                                channel=Channel.COUNTER, intake=BIRTH_INTAKE, components=None)


def test_a_key_is_honoured_for_24_hours_and_then_forgotten(app, session, staff):
    first = receive_once(app, session, staff["reception"], NOW)

    within = receive_once(app, session, staff["reception"], NOW + timedelta(hours=23, minutes=59))
    after = receive_once(app, session, staff["reception"], NOW + timedelta(hours=24))

    assert (within.dossier.code, within.pin_reissued) == (first.dossier.code, True)
    assert after.dossier.code != first.dossier.code and not after.pin_reissued
    assert session.get(IdempotencyKey, (staff["reception"].id, KEY)).dossier_id == after.dossier.id


def test_the_worker_s_pass_deletes_keys_older_than_24_hours(app, session, staff):
    receive_once(app, session, staff["reception"], NOW)
    ctx = app.extensions["motcua"]

    early = upkeep(session, ctx, now=NOW + timedelta(hours=23), zone=ctx.calendar(session).zone)
    due = upkeep(session, ctx, now=NOW + timedelta(hours=24), zone=ctx.calendar(session).zone)

    assert (early.keys_purged, due.keys_purged) == (0, 1)
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_racing_requests_with_one_key_make_one_dossier(pg_only, http, staff, session):
    responses = race([lambda: post(http, staff["reception"]) for _ in range(8)])

    bodies = [created(response) for response in responses]
    assert len({body["code"] for body in bodies}) == 1
    assert sorted(body["pin_reissued"] for body in bodies) == [False] + [True] * 7
    assert dossiers(session) == 1
