"""Every API route with the inputs it reads, from the Cornice services themselves.

Tables built from here cover a route the day it is added; ``SCENE`` says who calls each one
and with what valid body, so that a test can break exactly one field at a time.
"""

from dataclasses import dataclass

import colander

from desk.services import MODULES


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    schema: colander.SchemaNode | None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def fields(self, location: str) -> list[tuple[str, colander.SchemaType]]:
        """``(name, type)`` of each field the route reads from ``body``, ``querystring`` or
        ``header``."""
        if self.schema is None or location not in self.schema:
            return []
        return [(child.name, child.typ) for child in self.schema[location].children]


def all_routes() -> list[Route]:
    """Each service and method once (HEAD is GET without a body)."""
    return [
        Route(service.name, method, service.path, args.get("schema"))
        for module in MODULES
        for service in module.SERVICES
        for method, _view, args in service.definitions
        if method != "HEAD"
    ]


@dataclass(frozen=True)
class Caller:
    """Who may use a route, on which ticket (``{id}``), and a body it accepts."""

    role: str
    ticket: str = "new"
    body: dict | None = None


#: Service and method -> who calls it in the bad-input tests.
SCENE = {
    ("auth_register", "POST"): Caller(
        "anonymous", body={"username": "newcomer", "password": "long-enough-1"}
    ),
    ("auth_login", "POST"): Caller(
        "anonymous", body={"username": "nobody", "password": "wrong-password"}
    ),
    ("auth_refresh", "POST"): Caller("anonymous", body={"refresh": "unknown-token"}),
    ("auth_logout", "POST"): Caller("anonymous", body={"refresh": "unknown-token"}),
    ("auth_profile", "GET"): Caller("requester"),
    ("auth_profile", "PATCH"): Caller("requester", body={}),
    ("tickets", "POST"): Caller("requester", body={"title": "Printer"}),
    ("my_tickets", "GET"): Caller("requester"),
    ("all_tickets", "GET"): Caller("operator"),
    ("assigned_to_me", "GET"): Caller("executor"),
    ("ticket", "GET"): Caller("requester"),
    ("ticket", "PATCH"): Caller("requester", body={"title": "Renamed"}),
    ("ticket_assign", "POST"): Caller("operator", body={"executor_id": "<executor>"}),
    ("ticket_execute", "POST"): Caller("executor", "assigned", body={"status": "IN_PROGRESS"}),
    ("ticket_cancel", "POST"): Caller("requester", body={}),
    ("tickets_bulk", "POST"): Caller(
        "operator", body={"items": [{"id": 1, "action": "cancel", "reason": "Duplicate"}]}
    ),
    ("ticket_wait", "POST"): Caller("executor", "assigned", body={"comment": "Which one?"}),
    ("ticket_resume", "POST"): Caller("executor", "assigned", body={}),
    ("report_sla", "GET"): Caller("operator"),
    ("ticket_comments", "GET"): Caller("requester"),
    ("ticket_comments", "POST"): Caller("requester", body={"body": "Any news?"}),
    ("ticket_history", "GET"): Caller("requester"),
    ("ticket_attachments", "GET"): Caller("requester"),
    ("ticket_attachments", "POST"): Caller("requester"),
    ("attachment", "GET"): Caller("requester"),
    ("attachment", "DELETE"): Caller("requester"),
    ("attachment_content", "GET"): Caller("requester"),
    ("events", "GET"): Caller("operator"),
    ("users", "GET"): Caller("operator"),
    ("user", "GET"): Caller("superuser"),
    ("user", "PATCH"): Caller("superuser", body={}),
    ("webhooks", "GET"): Caller("superuser"),
    ("webhooks", "POST"): Caller(
        "superuser", body={"url": "http://127.0.0.1:9/hook", "event_kinds": ["created"]}
    ),
    ("webhook", "GET"): Caller("superuser"),
    ("webhook", "PATCH"): Caller("superuser", body={}),
    ("webhook", "DELETE"): Caller("superuser"),
    ("webhook_rotate", "POST"): Caller("superuser"),
    ("webhook_ping", "POST"): Caller("superuser"),
    ("webhook_deliveries", "GET"): Caller("superuser"),
    ("webhook_redeliver", "POST"): Caller("superuser"),
    ("healthz", "GET"): Caller("anonymous"),
    ("readyz", "GET"): Caller("anonymous"),
    ("openapi", "GET"): Caller("anonymous"),
    ("docs", "GET"): Caller("anonymous"),
}
