"""Every documented operation, fuzzed as each role and without a token, keeps to its contract.

Schemathesis reads the OpenAPI document the live server publishes, generates valid and
invalid requests for each operation and checks each answer: no 5xx, a documented status,
a documented content type and a body that matches the documented schema. Operations with
path parameters run twice: with generated ones (mostly 404s) and with ones naming a
dossier, step, procedure and version that exist, so bodies and queries reach the use case.
No operation is left out.

Schemathesis' own pytest integration (`schemathesis.pytest.from_fixture`) relies on pytest
internals that pytest 9.2 removed, so each operation runs as a Hypothesis test built from
the operation's strategies, one subtest per operation.
"""

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.helpers import BIRTH, received

# Who calls: the staff fixture's user for each role, or nobody.
CALLERS = {
    "receptionist": "reception",
    "officer": "office",
    "head": "office_head",
    "supervisor": "supervisor",
    "designer": "designer",
    "admin": "admin",
    "no token": None,
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# The caller's token is the one sent: no generated Authorization headers.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
# Bounded and derandomized: the same requests on every run, a few minutes for the whole file;
# no shrinking (a failure is reported as found) and no health checks on generation speed.
SETTINGS = hypothesis.settings(max_examples=15, deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(hypothesis.HealthCheck),
                               phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])


@pytest.fixture(params=list(CALLERS), ids=lambda role: role.replace(" ", "_"))
def caller(request, staff) -> dict:
    """The Authorization header of the role under test; none for an anonymous caller."""
    name = CALLERS[request.param]
    return staff[name].headers if name else {}


@pytest.fixture
def api_schema(live_server):
    """The OpenAPI document as the live server publishes it."""
    return schemathesis.openapi.from_url(f"{live_server}/api/openapi.json", config=CONFIG)


@pytest.fixture
def existing(http, staff) -> dict:
    """Path parameters naming things that exist: a received dossier, its step, its procedure."""
    dossier = received(http, staff["reception"])
    return {"dossier": dossier["code"], "procedure": BIRTH,
            "task_id": dossier["open_steps"][0]["id"], "number": 1, "day": "2026-08-22"}


def path_parameters(operation, existing: dict) -> dict:
    """Point the operation's path at what exists, so requests go past the lookup."""
    names = {parameter.name for parameter in operation.path_parameters}
    known = {name: existing[name] for name in names & existing.keys()}
    if "code" in names:
        on_procedure = operation.path.startswith("/api/v1/procedures/")
        known["code"] = existing["procedure" if on_procedure else "dossier"]
    return known


def fuzz(operation, headers: dict, session: requests.Session, **fixed) -> None:
    """Send the operation's valid and invalid requests and check every answer."""
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, **fixed),
                      operation.as_strategy(GenerationMode.NEGATIVE, **fixed))

    @SETTINGS
    @hypothesis.given(case=cases)
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS, session=session)

    run()


def test_every_operation_answers_as_documented_and_never_fails_with_a_5xx(
        api_schema, caller, existing, subtests):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30  # the whole API, not a document that failed to load

    with requests.Session() as session:
        for operation in operations:
            with subtests.test(operation=operation.label):
                fuzz(operation, caller, session)
            if known := path_parameters(operation, existing):
                with subtests.test(operation=operation.label, path=known):
                    fuzz(operation, caller, session, path_parameters=known)

