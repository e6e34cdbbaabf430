"""Schemathesis fuzzes ``/api/openapi.json`` of a live server, as every role and as nobody.

Every operation of the served spec gets generated requests, valid ones and invalid ones
(wrong types, values out of range, control characters, unknown fields), and every answer is
checked: no 5xx, and the status code, content type and body are what the spec declares for
that operation.

Bounded for CI: a fixed number of examples per operation, role and mode, derandomized (the
same requests on every run), no shrinking. Where more examples buy nothing, an operation
gets only a few: anonymous calls to one that needs a token (the security policy answers 401
before anything in the request is read), and calls by a role that the ACL of an operation
without path parameters refuses (403 whatever the request says: its resource is always the
same). ``DESK_FUZZ_EXAMPLES=200 pytest
tests/security/test_fuzz.py`` fuzzes harder by hand.
"""

import functools
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

pytestmark = pytest.mark.slow

#: Generated requests per operation, role and generation mode.
EXAMPLES = int(os.environ.get("DESK_FUZZ_EXAMPLES", "10"))
ROLES = ("anonymous", "requester", "operator", "executor", "superuser")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
#: Examples per mode for an anonymous call to an operation that needs a token.
TOKENLESS_EXAMPLES = 2
#: Examples per mode that find out whether a role is refused an operation outright.
PROBES = 2


def content_type_conformance(ctx, response, case):
    """Schemathesis' check, but a 204 carries no content and so no content type (Swagger
    2.0's ``produces`` is per operation, not per response, so it cannot say so)."""
    if response.status_code == 204 and not response.content:
        return None
    return checks.content_type_conformance(ctx, response, case)


def negative_data_rejection(ctx, response, case):
    """Schemathesis' check, as Desk's contract has it: an unknown query parameter is ignored,
    not refused, so the request that Desk answered is the one without them."""
    known = {name: value for name, value in case.query.items() if name in case.operation.query}
    if len(known) < len(case.query):
        case = case.derive(query=known, keep_auth=True)
    return checks.negative_data_rejection(ctx, response, case)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    content_type_conformance,
    checks.response_schema_conformance,
    negative_data_rejection,
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
        """A fresh token for ``role``'s user; the superuser's restored first: its fuzzed
        PATCHes of users may have deactivated or demoted it (which also ends its earlier
        tokens). No other role may change a role or an activation (the root's ACL grants
        user edits to superusers only), and each role is fuzzed by a test of its own."""
        if role == "anonymous":
            return {}
        user = self.users[role]
        if role != "superuser":
            return {"Authorization": f"Bearer {self.token(user)}"}
        session = self.registry["dbsession_factory"]()
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(role=user.role, is_active=True, is_superuser=user.is_superuser)
        )
        session.commit()
        restored = session.get(User, user.id)
        session.close()
        return {"Authorization": f"Bearer {self.token(restored)}"}

    def token(self, user: User) -> str:
        return self.registry["security_policy"].create_access_token(user)


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


def examples(operation, role: str) -> int:
    """Generated requests per mode for ``role``'s calls to ``operation``."""
    if role == "anonymous" and operation.definition.raw.get("security"):
        return min(EXAMPLES, TOKENLESS_EXAMPLES)
    return EXAMPLES


def refusable(operation, role: str) -> bool:
    """Whether ``role`` may be refused ``operation`` whatever the request: an ACL decides on
    a resource that no path parameter picks."""
    return role != "anonymous" and not len(operation.path_parameters)


class Refused(Exception):
    """Every probe so far was answered 403: the ACL refuses the role this operation."""


def fuzz(
    operation,
    mode: GenerationMode,
    headers,
    session: requests.Session,
    count: int,
    probe: bool = False,
) -> int:
    """Send ``operation`` ``count`` generated requests; the number sent, or the first failure.

    With ``probe``, stop after ``PROBES`` requests if every one was answered 403."""
    sent, statuses = 0, set()

    @settings(FUZZ_SETTINGS, max_examples=count)
    @given(case=operation.as_strategy(generation_mode=mode))
    def one_request(case):
        nonlocal sent
        if probe and sent >= PROBES and statuses == {403}:
            raise Refused
        sent += 1
        response = case.call_and_validate(headers=headers(), session=session, checks=CHECKS)
        statuses.add(response.status_code)

    try:
        one_request()
    except Refused:
        pass
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # An operation without parameters has nothing to get wrong.
    return sent


def test_every_answer_is_declared_and_none_is_5xx(served_spec, crew, role, figures):
    failures, sent = [], 0
    headers = functools.partial(crew.headers, role)
    with requests.Session() as session:
        for result in served_spec.get_all_operations():
            operation = result.ok()
            for mode in MODES:
                try:
                    count, probe = examples(operation, role), refusable(operation, role)
                    sent += fuzz(operation, mode, headers, session, count, probe)
                except Exception as exc:
                    failures.append(f"{operation.label} ({mode}): {exc}")
    backend = crew.registry["db_engine"].dialect.name
    figures.count(f"fuzz: requests sent on {backend}", sent)
    assert not failures, "\n\n".join(failures)
