"""Bulk changes to tickets: each item as its single route would do it, each on its own.

``POST /api/tickets/bulk/`` and the admin's bulk actions both call ``run_items``. Every
item is looked up, authorized by the ticket's ACL, checked against its ``If-Match``, and
changed through ``desk.workflow`` inside a savepoint of its own: a refused item rolls back
only itself, and the others' changes (and their history events) stay.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyramid.httpexceptions import HTTPForbidden
from pyramid.request import Request
from sqlalchemy import select
from webob.etag import ETagMatcher

from . import workflow
from .errors import STATUS_TITLES
from .exceptions import DeskError, PreconditionFailed
from .i18n import _, translate
from .models import Ticket
from .permissions import Permission
from .representations import etag
from .resources import TicketContainer, TicketResource


@dataclass
class ItemResult:
    """What became of one item: its HTTP status, and the ticket or the problem.

    ``message`` is the refusal's detail as a message (an id and its values), for a page that
    writes it its own way; ``problem`` has it written in the request's language.
    """

    id: int
    action: str
    status: int
    resource: TicketResource | None = None
    problem: dict[str, Any] = field(default_factory=dict)
    message: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


def refusal(
    request: Request, item: dict, status: int, slug: str, title: str, detail: str, errors=None
) -> ItemResult:
    problem = {
        "type": f"urn:desk:problem:{slug}",
        "title": translate(request, title),
        "status": status,
        "detail": translate(request, detail),
    }
    if errors:
        problem["errors"] = [
            {**error, "description": translate(request, error["description"])} for error in errors
        ]
    return ItemResult(item["id"], item["action"], status, problem=problem, message=detail)


def check_if_match(ticket: Ticket, if_match: str | None) -> None:
    """The single routes' precondition, for one item's ``if_match`` (``*`` matches any)."""
    if if_match is None:
        return
    if etag(ticket) not in ETagMatcher.parse(if_match):
        raise PreconditionFailed(
            _("The ticket has changed since you read it: fetch it again (ETag) and retry.")
        )


def apply(request: Request, resource: TicketResource, item: dict) -> None:
    """The item's change, through the same guard and workflow function as its route."""
    ticket, actor, dbsession = resource.ticket, request.user, request.dbsession
    if item["action"] == "assign":
        workflow.ACTIONS["assign"].guard(request, resource)
        executor = workflow.find_executor(dbsession, item["executor_id"])
        workflow.assign(dbsession, ticket, actor, executor)
    elif item["action"] == "priority":
        workflow.PRIORITIZE.guard(request, resource)
        workflow.edit_ticket(dbsession, ticket, actor, {"priority": item["priority"]})
    else:
        workflow.ACTIONS["cancel"].guard(request, resource)
        workflow.cancel(dbsession, ticket, actor, item.get("reason"))


def run_item(request: Request, container: TicketContainer, item: dict) -> ItemResult:
    """One item, in its own savepoint; a refusal becomes its result, never an exception."""
    try:
        resource = container[str(item["id"])]
    except KeyError:
        resource = None
    if resource is None or not request.has_permission(Permission.TICKET_VIEW, resource):
        # As the single routes: a ticket the caller may not see does not exist for them.
        return refusal(request, item, 404, "not-found", STATUS_TITLES[404], _("Not found."))
    try:
        with request.dbsession.begin_nested():
            check_if_match(resource.ticket, item.get("if_match"))
            apply(request, resource, item)
    except HTTPForbidden:
        return refusal(
            request,
            item,
            403,
            "permission-denied",
            STATUS_TITLES[403],
            _("You do not have permission to perform this action."),
        )
    except DeskError as error:
        detail, errors = error.detail, error.errors
        return refusal(request, item, error.status, error.slug, error.title, detail, errors)
    return ItemResult(item["id"], item["action"], 200, resource=resource)


def lock_in_order(request: Request, ids: Iterable[int]) -> None:
    """Lock the items' rows in id order first, so that two bulk requests never deadlock."""
    request.dbsession.execute(
        select(Ticket.id)
        .where(Ticket.id.in_(sorted(set(ids))))
        .order_by(Ticket.id)
        .with_for_update(of=Ticket)
    ).all()


def run_items(request: Request, items: list[dict]) -> list[ItemResult]:
    """Every item's result, in the order given."""
    container = TicketContainer(request)
    lock_in_order(request, (item["id"] for item in items))
    return [run_item(request, container, item) for item in items]
