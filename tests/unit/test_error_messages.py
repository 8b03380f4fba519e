"""Every error the engine or the edge can raise has a Vietnamese and an English message.

The raise sites are read from the source (every call that builds a DomainError in engine/ and
api/), so a new error condition, or a message parameter a raise site stops passing, fails here
before it can reach a citizen untranslated.
"""

import ast
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale
from marshmallow import ValidationError, fields, missing, validate

import engine
from api.error_messages import DOMAIN_MESSAGES, FIELD_MESSAGES, MESSAGES, field_message, say
from api.errors import CODE_BY_STATUS, REASON_BY_STATUS
from engine.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "api" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class RaiseSite:
    """One call building a domain error: where, which class, its reason and detail names."""

    where: str
    error: type[DomainError]
    reason: str | None
    details: frozenset[str]


def domain_errors() -> list[type[DomainError]]:
    """Import every engine module and return every subclass of DomainError."""
    for module in pkgutil.walk_packages(engine.__path__, "engine."):
        importlib.import_module(module.name)
    found, pending = [], list(DomainError.__subclasses__())
    while pending:
        error = pending.pop()
        found.append(error)
        pending += error.__subclasses__()
    return found


ERRORS = {error.__name__: error for error in domain_errors()}


def _keywords(call: ast.Call) -> tuple[str | None, set[str]]:
    reason = None
    names = set()
    for keyword in call.keywords:
        if keyword.arg == "reason":
            assert isinstance(keyword.value, ast.Constant), (
                f"line {call.lineno}: give the reason as a literal, so it can be checked here")
            reason = keyword.value.value
        elif keyword.arg is not None:
            names.add(keyword.arg)
    return reason, names


def _constructor_details(error: type[DomainError]) -> tuple[set[str], bool] | None:
    """Return the details a class's own __init__ passes, and whether it passes on **details."""
    for klass in error.__mro__:
        if klass is DomainError:
            return None
        if "__init__" in vars(klass):
            tree = ast.parse(inspect.getsource(klass.__init__).strip())
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "__init__"):
                    _, names = _keywords(node)
                    passes_on = any(k.arg is None for k in node.keywords)
                    return names, passes_on
    return None


def raise_sites() -> list[RaiseSite]:
    """Read engine/ and api/ for every call that builds a domain error."""
    sites = []
    for folder in ("engine", "api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in ERRORS:
                    continue
                reason, names = _keywords(node)
                own = _constructor_details(ERRORS[name])
                if own is not None:
                    own_names, passes_on = own
                    names = own_names | (names if passes_on else set())
                sites.append(RaiseSite(f"{path.relative_to(ROOT)}:{node.lineno}", ERRORS[name],
                                       reason, frozenset(names)))
    return sites


SITES = raise_sites()


def english() -> dict[str, str]:
    with CATALOGUE.open("rb") as po:
        return {message.id: message.string for message in read_po(po) if message.id}


def test_the_scan_finds_the_raise_sites_of_the_engine_and_the_edge():
    places = {site.where.split(":")[0] for site in SITES}

    assert {"engine/tasks.py", "engine/access.py", "engine/dossiers.py",
            "api/calendar.py"} <= places
    assert len(SITES) > 100


@pytest.mark.parametrize("error", sorted(ERRORS.values(), key=lambda e: e.__name__),
                         ids=lambda error: error.__name__)
def test_every_domain_error_has_a_message_for_its_code(error):
    assert (error.code, None) in DOMAIN_MESSAGES


@pytest.mark.parametrize("site", SITES, ids=lambda site: site.where)
def test_every_raise_site_has_a_message_fed_by_the_details_it_passes(site):
    msgid = DOMAIN_MESSAGES.get((site.error.code, site.reason))

    assert msgid is not None, f"add ({site.error.code!r}, {site.reason!r}) to DOMAIN_MESSAGES"
    missing = set(PLACEHOLDER.findall(msgid)) - site.details
    assert not missing, f"the message needs {missing}; pass them as details"


def test_every_reason_in_the_catalogue_is_raised_somewhere():
    raised = {(site.error.code, site.reason) for site in SITES}
    engine_reasons = {key for key in DOMAIN_MESSAGES if key[1] is not None}

    assert engine_reasons - raised == set()


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    translations = english()

    for msgid in {*MESSAGES.values(), *FIELD_MESSAGES.values()}:
        assert translations.get(msgid), f"no English for {msgid!r} in messages.po"
        assert (set(PLACEHOLDER.findall(translations[msgid]))
                == set(PLACEHOLDER.findall(msgid))), msgid


def edge_calls() -> list[tuple[str, str, str | None, set[str]]]:
    """Return every `say(code, reason, **params)` the edge writes with literal arguments."""
    calls = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say"
                    and node.args and all(isinstance(a, ast.Constant) for a in node.args)):
                code, reason = [a.value for a in node.args] + [None] * (2 - len(node.args))
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", code, reason,
                              {k.arg for k in node.keywords}))
    return calls


@pytest.mark.parametrize("where, code, reason, params", edge_calls(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_every_message_the_edge_says_is_in_the_catalogue_with_its_parameters(
        where, code, reason, params):
    msgid = MESSAGES.get((code, reason))

    assert msgid is not None, where
    assert set(PLACEHOLDER.findall(msgid)) <= params, where


@pytest.fixture
def request_context():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CATALOGUE.parents[2])
    Babel(app, default_locale="vi", default_timezone="Asia/Ho_Chi_Minh")
    with app.test_request_context():
        yield


@pytest.mark.parametrize("status", sorted(CODE_BY_STATUS))
def test_every_http_error_is_said_in_both_languages(request_context, status):
    code = CODE_BY_STATUS[status]
    reason = REASON_BY_STATUS.get(status)

    vietnamese = say(code, reason, method="PATCH")
    with force_locale("en"):
        in_english = say(code, reason, method="PATCH")

    assert vietnamese and in_english and vietnamese != in_english


@pytest.mark.parametrize("field, value", [
    (fields.String(required=True), missing),
    (fields.String(), None),
    (fields.Integer(), "x"),
    (fields.Float(), "x"),
    (fields.Boolean(), "x"),
    (fields.Date(), "x"),
    (fields.DateTime(), "x"),
    (fields.AwareDateTime(), "2026-01-01T10:00:00"),
    (fields.Dict(), "x"),
    (fields.List(fields.String()), "x"),
    (fields.Email(), "x"),
    (fields.String(validate=validate.Length(min=1, max=5)), "toolong"),
    (fields.String(validate=validate.Length(max=5)), "toolong"),
    (fields.String(validate=validate.Length(min=3)), "x"),
    (fields.Integer(validate=validate.Range(min=1, max=5)), 9),
    (fields.Integer(validate=validate.Range(min=1)), 0),
    (fields.Integer(validate=validate.Range(max=5)), 9),
    (fields.String(validate=validate.OneOf(["a", "b"])), "c"),
    (fields.String(validate=validate.Regexp(r"^\d+$")), "x"),
], ids=lambda value: type(value).__name__)
def test_marshmallows_field_messages_are_said_in_both_languages(request_context, field, value):
    with pytest.raises(ValidationError) as refused:
        field.deserialize(value)
    text = refused.value.messages[0]

    vietnamese = field_message(text)
    with force_locale("en"):
        in_english = field_message(text)

    assert vietnamese != text
    assert in_english != vietnamese
