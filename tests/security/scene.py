"""A cast and a set for calling any route as its rightful caller, and a watch on the database.

``Scene`` holds one user per role, a NEW ticket and an ASSIGNED one (made when first named),
and sends a request to any route of ``routes.SCENE`` as that route's caller.
``DatabaseWatch`` records every statement the app sends, its parameters, and every error the
database answers, so that a test can prove that bad input never reached the database.
"""

import contextlib
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import webtest
from sqlalchemy import event

from desk.models import Role

from .routes import SCENE, Route

ROLES = {
    "requester": {"role": Role.REQUESTER},
    "operator": {"role": Role.OPERATOR},
    "executor": {"role": Role.EXECUTOR},
    "superuser": {"role": Role.OPERATOR, "superuser": True},
}


class Scene:
    """Its users exist from the start; each ticket, the webhook, its delivery and the file
    are made on first use, so that a test pays only for what its route names."""

    def __init__(self, make, app):
        # No WSGI lint: these requests are malformed on purpose.
        self.client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "desk.test"}, lint=False)
        self.make = make
        self.users = {name: make.user(**options) for name, options in ROLES.items()}

    @functools.cached_property
    def new_ticket(self) -> dict:
        return self.make.ticket(self.users["requester"])

    @functools.cached_property
    def assigned_ticket(self) -> dict:
        ticket = self.make.ticket(self.users["requester"])
        return self.make.assign(ticket, self.users["operator"], self.users["executor"])

    def ticket(self, state: str) -> dict:
        """The ticket a caller names by ``state``: "new" or "assigned"."""
        return self.assigned_ticket if state == "assigned" else self.new_ticket

    @functools.cached_property
    def webhook(self) -> dict:
        return self.client.post_json(
            "/api/webhooks/",
            {"url": "http://127.0.0.1:9/hook", "event_kinds": ["created"]},
            headers=self.headers("superuser"),
        ).json

    @functools.cached_property
    def delivery(self) -> dict:
        return self.client.post(
            f"/api/webhooks/{self.webhook['id']}/ping/", headers=self.headers("superuser")
        ).json

    @functools.cached_property
    def attachment(self) -> dict:
        """The file that /api/attachments/{id}/... routes name."""
        return self.client.post(
            f"/api/tickets/{self.new_ticket['id']}/attachments/",
            upload_files=[("file", "note.txt", b"Printer: PC LOAD LETTER\n")],
            headers=self.headers("requester"),
        ).json["results"][0]

    def headers(self, role: str) -> dict:
        return {} if role == "anonymous" else self.make.headers(self.users[role])

    def path(self, route: Route, segment: str | None = None) -> str:
        """The route's path; ``{id}`` is the caller's ticket (or a user), or ``segment``."""
        caller = SCENE[(route.service, route.method)]
        if segment is None:
            if route.service == "user":
                segment = str(self.users["requester"].id)
            elif route.service.startswith("webhook_") or route.service == "webhook":
                segment = str(self.webhook["id"])
            elif route.service in ("attachment", "attachment_content"):
                segment = str(self.attachment["id"])
            else:
                segment = str(self.ticket(caller.ticket)["id"])
        path = route.path
        if "{delivery_id}" in path:
            path = path.replace("{delivery_id}", str(self.delivery["id"]))
        return path.replace("{id}", segment)

    def body(self, route: Route) -> dict:
        """A body the route's caller may send; only the field under test will be wrong."""
        body = dict(SCENE[(route.service, route.method)].body or {})
        if body.get("executor_id") == "<executor>":
            body["executor_id"] = self.users["executor"].id
        return body

    def send(
        self,
        route: Route,
        *,
        body: dict | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        query: dict | None = None,
        headers: dict | None = None,
        segment: str | None = None,
    ) -> webtest.TestResponse:
        """The route called by its caller; ``query`` values are percent-encoded as UTF-8."""
        caller = SCENE[(route.service, route.method)]
        path = self.path(route, segment)
        if query:
            path += "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
        sent = {**self.headers(caller.role), **(headers or {})}
        if route.method == "GET":
            return self.client.get(path, headers=sent, status="*")
        if raw is None and body is not None:
            # ASCII-escaped, so that a lone surrogate travels as the JSON escape "\ud800".
            raw = json.dumps(body).encode()
        return self.client.request(
            path,
            method=route.method,
            body=raw or b"",
            headers={**sent, "Content-Type": content_type},
            status="*",
        )


@dataclass
class DatabaseWatch:
    """What reached the database: statements with their parameters, and errors."""

    statements: list[tuple[str, object]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def carried(self, value: str) -> bool:
        """Whether any statement's parameters held ``value``."""
        return any(value in repr(parameters) for _, parameters in self.statements)


@contextlib.contextmanager
def watching(engine) -> Iterator[DatabaseWatch]:
    watch = DatabaseWatch()

    def before(conn, cursor, statement, parameters, context, executemany):
        watch.statements.append((statement, parameters))

    def failed(context):
        watch.errors.append(context.original_exception)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "handle_error", failed)
    try:
        yield watch
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "handle_error", failed)
