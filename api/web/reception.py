"""The reception counter: find the procedure, take the dossier in, hand over the receipt.

Every rule is the engine's, as in POST /api/v1/dossiers: the catalogue search
(engine.catalogue), who may receive (engine.access) and the intake itself
(engine.dossiers.receive_dossier). The applicant is checked by the API's ApplicantSchema.
"""

import re
import secrets
from dataclasses import asdict, replace
from enum import StrEnum

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.clock import now
from api.extensions import db
from api.paging import page_of
from api.web import blp, sessions
from api.web.applicant_form import APPLICANT_FIELDS, APPLICANT_PREFIX, posted_applicant
from api.web.schema_form import coerce, field_messages, form_fields, posted_values
from engine.access import check_can_receive
from engine.catalogue import (
    catalogue_fields,
    get_catalogue_entry_or_raise,
    narrowed,
    posted_entries,
)
from engine.dossier_versions import required_documents
from engine.dossiers import Components, receive_dossier_once
from engine.errors import InvalidFormData
from engine.idempotency import ReceiptKey
from engine.procedures import get_procedure_or_raise
from engine.statuses import Channel

# The intake page's receipt key: random, URL-safe, as an Idempotency-Key accepts.
RECEIPT_KEY_BYTES = 18
RECEIPT_KEY = re.compile(r"[A-Za-z0-9_-]{24}")
CHANNELS = {Channel.COUNTER: _l("Trực tiếp tại quầy"), Channel.POST: _l("Qua bưu chính"),
            Channel.ONLINE: _l("Trực tuyến")}


class Handling(StrEnum):
    """How one required document was handled at the counter (Components counts them)."""

    MISSING = "missing"
    PAPER = "paper"
    DIGITISED = "digitised"
    REUSED = "reused"


HANDLINGS = {Handling.PAPER: _l("Nhận bản giấy"), Handling.DIGITISED: _l("Nhận và số hóa"),
             Handling.REUSED: _l("Tái sử dụng dữ liệu sẵn có"),
             Handling.MISSING: _l("Không có")}


def _ctx():
    return current_app.extensions["motcua"]


@blp.get("/tiep-nhan")
def reception():
    """Find a procedure by name, code or field, accents ignored, a page at a time.

    Each procedure leads to its intake page.
    """
    check_can_receive(sessions.signed_in_user())
    query = request.args.get("q", "").strip()[:200]
    field = request.args.get("field", "").strip()[:200]
    everything = posted_entries(db.session)
    found = narrowed(everything, query, field=field)
    return render_template("web/reception.html", query=query, field=field, entries=found,
                           page=page_of(found, request.args.get("page")),
                           fields=catalogue_fields(everything))


@blp.get("/tiep-nhan/<string:procedure_code>")
def intake(procedure_code: str):
    """Show the intake page: applicant, the procedure's form, documents received, channel."""
    check_can_receive(sessions.signed_in_user())
    procedure = get_procedure_or_raise(db.session, procedure_code)
    return _intake_page(procedure, values={}, handled={}, channel=Channel.COUNTER, errors={},
                        receipt_key=secrets.token_urlsafe(RECEIPT_KEY_BYTES))


@blp.post("/tiep-nhan/<string:procedure_code>")
def receive(procedure_code: str):
    """Receive the dossier and show its receipt with the PIN, or the page again with errors.

    The receipt is this response itself, not a redirect: the PIN exists only here.
    """
    user = sessions.signed_in_user()
    check_can_receive(user)
    procedure = get_procedure_or_raise(db.session, procedure_code)
    form_key = procedure.meta["intake_form"]
    schema = _ctx().forms.schema(form_key)
    data = coerce(schema, request.form)
    applicant, errors = posted_applicant(request.form)
    handled, channel, choice_errors = _choices(request.form, procedure)
    errors |= choice_errors
    if not errors:
        components = _components(handled.values())
        receipt_key = _receipt_key(request.form, {
            "procedure_code": procedure.code, "applicant": applicant, "form_data": data,
            "channel": channel, "components": asdict(components)})
        try:
            receipt = receive_dossier_once(
                db.session, _ctx(), key=receipt_key, procedure_code=procedure.code,
                applicant=applicant, channel=Channel(channel), intake=data, user=user,
                now=now(), components=components)
        except InvalidFormData:
            pass
        else:
            # A replay answers an earlier dossier: its documents are its own version's.
            return render_template("web/receipt.html", dossier=receipt.dossier, pin=receipt.pin,
                                   pin_reissued=receipt.pin_reissued, procedure=procedure,
                                   documents=required_documents(db.session, receipt.dossier),
                                   handled=handled, channel=CHANNELS[Channel(channel)],
                                   handlings=HANDLINGS), 201
    errors |= field_messages(_ctx().forms.field_problems(form_key, data))
    values = posted_values(schema, data) | {
        APPLICANT_PREFIX + f.name: request.form.get(APPLICANT_PREFIX + f.name, "").strip()
        for f, _message in APPLICANT_FIELDS}
    return _intake_page(procedure, values=values, handled=handled, channel=channel,
                        errors=errors, receipt_key=request.form.get("receipt_key", "")), 422


def _receipt_key(form, body: dict) -> ReceiptKey | None:
    """Return the key the intake page was rendered with, so a form sent twice receives once.

    A second post of the same form (a double click, a resent request) answers the same
    dossier with a new PIN, as an API retry with its Idempotency-Key does.
    """
    key = form.get("receipt_key", "")
    return ReceiptKey.of(key, body) if RECEIPT_KEY.fullmatch(key) else None


def _choices(form, procedure) -> tuple[dict[int, str], int | None, dict[str, list[str]]]:
    """Return how each required document was handled and the channel, or what was not offered."""
    handled = {index: form.get(f"document-{index}", "")
               for index in range(len(procedure.meta["required_documents"]))}
    channel = form.get("channel", type=int)
    not_offered = [_("Hãy chọn một trong các giá trị cho sẵn.")]
    errors = {f"document-{index}": not_offered
              for index, value in handled.items() if value not in set(Handling)}
    if channel not in set(Channel):
        errors["channel"] = not_offered
    return handled, channel, errors


def _components(handled) -> Components:
    handled = list(handled)
    return Components(total=sum(value != Handling.MISSING for value in handled),
                      digitised=handled.count(Handling.DIGITISED),
                      reused=handled.count(Handling.REUSED))


def _intake_page(procedure, *, values: dict, handled: dict, channel, errors: dict,
                 receipt_key: str) -> str:
    schema = _ctx().forms.schema(procedure.meta["intake_form"])
    applicant_fields = [replace(f, name=APPLICANT_PREFIX + f.name)
                        for f, _message in APPLICANT_FIELDS]
    return render_template(
        "web/intake.html", procedure=procedure,
        entry=get_catalogue_entry_or_raise(db.session, procedure.code),
        applicant_fields=applicant_fields, fields=form_fields(schema),
        form_title=schema.get("title", procedure.name_vi), values=values, errors=errors,
        handled=handled, handlings=HANDLINGS, channels=CHANNELS, channel=channel,
        receipt_key=receipt_key,
        error=_("Biểu mẫu còn lỗi: hãy sửa các trường được đánh dấu.") if errors else None)
