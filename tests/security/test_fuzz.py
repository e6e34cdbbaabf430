"""Schemathesis fuzzes ``/api/openapi.json`` of a live server, as every role and as nobody.

Every operation of the served spec gets generated requests, valid ones and invalid ones
(wrong types, values out of range, control characters, unknown fields), and every answer is
checked: no 5xx, and the status code, content type and body are what the spec declares for
that operation.

Bounded for CI: a fixed number of examples per operation, role and mode, derandomized (the
same requests on every run), no shrinking. ``DESK_FUZZ_EXAMPLES=200 pytest
tests/security/test_fuzz.py`` fuzzes harder by hand.
"""

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from sqlalchemy import update

from desk.models import Role, User

from .servers import QuietLiveServer

#: Generated requests per operation, role and generation mode.
EXAMPLES = int(os.environ.get("DESK_FUZZ_EXAMPLES", "10"))
ROLES = ("anonymous", "requester", "operator", "executor", "superuser")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def content_type_conformance(ctx, response, case):
    """Schemathesis' check, but a 204 carries no content and so no content type (Swagger
    2.0's ``produces`` is per operation, not per response, so it cannot say so)."""
    if response.status_code == 204 and not response.content:
        return None
    return checks.content_type_conformance(ctx, response, case)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class Crew:
    """One user per role, and tickets in every status for them to act on."""

    def __init__(self, make, registry):
        self.registry = registry
        self.users = {
            "requester": make.user(Role.REQUESTER),
            "operator": make.user(Role.OPERATOR),
            "executor": make.user(Role.EXECUTOR),
            "superuser": make.user(Role.OPERATOR, superuser=True),
        }
        requester, operator, executor = (
            self.users[name] for name in ("requester", "operator", "executor")
        )
        for status in ("NEW", "ASSIGNED", "IN_PROGRESS", "DONE"):
            ticket = make.ticket(requester, description="Seeded\tfor the fuzzer\n")
            if status != "NEW":
                make.assign(ticket, operator, executor)
            if status in ("IN_PROGRESS", "DONE"):
                make.execute(ticket, executor, status)

    def headers(self, role: str) -> dict:
        """A fresh token for ``role``'s user, restored first: fuzzed superuser PATCHes may
        have deactivated or demoted it (which also ends its earlier tokens)."""
        if role == "anonymous":
            return {}
        user = self.users[role]
        session = self.registry["dbsession_factory"]()
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(role=user.role, is_active=True, is_superuser=user.is_superuser)
        )
        session.commit()
        restored = session.get(User, user.id)
        session.close()
        token = self.registry["security_policy"].create_access_token(restored)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=ROLES)
def role(request) -> str:
    return request.param


@pytest.fixture
def crew(make, registry) -> Crew:
    return Crew(make, registry)


@pytest.fixture
def served_spec(app, registry, crew):
    with QuietLiveServer(app) as server:
        yield schemathesis.openapi.from_url(server.url + "/api/openapi.json")


def fuzz(operation, mode: GenerationMode, headers, session: requests.Session) -> int:
    """Send ``operation`` its generated requests; the number sent, or the first failure."""
    sent = 0

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def one_request(case):
        nonlocal sent
        sent += 1
        case.call_and_validate(headers=headers(), session=session, checks=CHECKS)

    try:
        one_request()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # An operation without parameters has nothing to get wrong.
    return sent


def test_every_answer_is_declared_and_none_is_5xx(served_spec, crew, role, figures):
    failures, sent = [], 0
    with requests.Session() as session:
        for result in served_spec.get_all_operations():
            operation = result.ok()
            for mode in MODES:
                try:
                    sent += fuzz(operation, mode, lambda: crew.headers(role), session)
                except Exception as exc:
                    failures.append(f"{operation.label} ({mode}): {exc}")
    backend = crew.registry["db_engine"].dialect.name
    figures.count(f"fuzz: requests sent on {backend}", sent)
    assert not failures, "\n\n".join(failures)
