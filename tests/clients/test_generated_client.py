"""A Python client generated from the served spec drives the seed's flow with typed answers.

As a user would make one: ``/api/openapi.json`` of a live server, converted to OpenAPI 3 by
``swagger2openapi`` (npm: there is no well-kept Python converter; the pinned one is in
clients/, ``npm ci --prefix clients``), then ``openapi-python-client`` (PyPI). Every answer,
the lists included, must be one of the generated models, never a dict or ``Unset``.
"""

import importlib
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.security.servers import QuietLiveServer

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SWAGGER2OPENAPI = ROOT / "clients" / "node_modules" / ".bin" / "swagger2openapi"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PASSWORD = "correct-horse-battery"


def generate(spec_url: str, folder: Path) -> None:
    """``desk_client`` in ``folder``, generated from the spec at ``spec_url``."""
    with urllib.request.urlopen(spec_url, timeout=30) as answer:
        (folder / "swagger.json").write_bytes(answer.read())
    subprocess.run(
        [SWAGGER2OPENAPI, "--fatal", "swagger.json", "--outfile", "openapi.json"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    command = [GENERATOR, "generate", "--path", "openapi.json", "--meta", "none"]
    generated = subprocess.run(
        [*command, "--output-path", "desk_client", "--fail-on-warning"],
        cwd=folder,
        capture_output=True,
        text=True,
        # The generator formats its output with ruff, which it looks for on PATH.
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr


@pytest.fixture
def server(app, registry):
    with QuietLiveServer(app) as live:
        yield live


@pytest.fixture
def desk_client(server, tmp_path, monkeypatch):
    """The generated package, imported (and forgotten after the test)."""
    if not SWAGGER2OPENAPI.exists():
        pytest.skip("swagger2openapi is not installed: run `npm ci --prefix clients` first")
    if shutil.which("node") is None:
        pytest.skip("Node.js is missing: swagger2openapi needs it")
    generate(server.url + "/api/openapi.json", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("desk_client")
    for name in [name for name in sys.modules if name.split(".")[0] == "desk_client"]:
        del sys.modules[name]


class Operations:
    """The generated operations of one tag: ``tickets.create_ticket.sync(...)``."""

    def __init__(self, tag: str):
        self.tag = tag

    def __getattr__(self, operation_id: str):
        return importlib.import_module(f"desk_client.api.{self.tag}.{operation_id}")


class Flow:
    """The generated client's models and operations, and a logged-in client per user."""

    def __init__(self, package, url: str):
        self.url = url
        self.models = importlib.import_module("desk_client.models")
        self.auth = Operations("auth")
        self.tickets = Operations("tickets")
        self.package = package

    def anonymous(self):
        return self.package.Client(base_url=self.url, raise_on_unexpected_status=True)

    def register(self, username: str, role: str):
        models = self.models
        body = models.RegisterBody(username=username, password=PASSWORD, role=models.Role(role))
        with self.anonymous() as client:
            return self.auth.register_user.sync(client=client, body=body)

    def login(self, username: str):
        with self.anonymous() as client:
            tokens = self.auth.login_user.sync(
                client=client, body=self.models.LoginBody(username=username, password=PASSWORD)
            )
        assert isinstance(tokens, self.models.TokenPair)
        assert tokens.token_type == "Bearer"
        return self.package.AuthenticatedClient(
            base_url=self.url, token=tokens.access, raise_on_unexpected_status=True
        )


def assert_page_of_tickets(flow: Flow, page, *ticket_ids: int) -> None:
    models = flow.models
    assert isinstance(page, models.TicketPage)
    assert page.count == len(ticket_ids)
    assert all(isinstance(ticket, models.Ticket) for ticket in page.results)
    assert [ticket.id for ticket in page.results] == list(ticket_ids)


def test_the_seed_s_flow_through_the_generated_client(desk_client, server):
    flow = Flow(desk_client, server.url)
    models, tickets = flow.models, flow.tickets

    people = {
        role: flow.register(f"gen-{role.lower()}", role)
        for role in ("REQUESTER", "OPERATOR", "EXECUTOR")
    }
    for role, user in people.items():
        assert isinstance(user, models.User)
        assert user.role == models.Role(role)
    requester, operator, executor = (flow.login(user.username) for user in people.values())

    with requester, operator, executor:
        body = models.TicketCreateBody(
            title="Printer on floor 3 is jammed", priority=models.Priority.HIGH
        )
        created = tickets.create_ticket.sync(client=requester, body=body)
        assert isinstance(created, models.Ticket)
        assert created.status == models.TicketStatus.NEW
        assert created.priority is models.Priority.HIGH  # one Priority type for every field
        assert isinstance(created.requester, models.UserRef)
        assert created.requester.username == "gen-requester"
        assert created.executor is None

        assert_page_of_tickets(flow, tickets.list_my_tickets.sync(client=requester), created.id)
        assert_page_of_tickets(flow, tickets.list_all_tickets.sync(client=operator), created.id)

        assigned = tickets.assign_ticket.sync(
            created.id, client=operator, body=models.AssignBody(executor_id=people["EXECUTOR"].id)
        )
        assert isinstance(assigned, models.Ticket)
        assert assigned.status == models.TicketStatus.ASSIGNED
        assert isinstance(assigned.executor, models.UserRef)
        assert assigned.executor.username == "gen-executor"

        mine = tickets.list_assigned_to_me.sync(client=executor)
        assert_page_of_tickets(flow, mine, created.id)
        assert mine.results[0].executor.id == people["EXECUTOR"].id

        done = tickets.execute_ticket.sync(
            created.id,
            client=executor,
            body=models.ExecuteBody(status=models.ExecuteBodyStatus.DONE, comment="Paper out"),
        )
        assert isinstance(done, models.Ticket)
        assert done.status == models.TicketStatus.DONE
        assert done.completed_at is not None

        history = tickets.list_ticket_history.sync(created.id, client=requester)
        assert isinstance(history, models.EventPage)
        assert all(isinstance(event, models.Event) for event in history.results)
        assert [(e.kind, e.from_status, e.to_status) for e in history.results] == [
            ("created", None, "NEW"),
            ("assigned", "NEW", "ASSIGNED"),
            ("status_changed", "ASSIGNED", "DONE"),
            ("commented", None, None),
        ]
        assert all(isinstance(event.actor, models.UserRef) for event in history.results)
