"""The tickets' admin: find a ticket, read its comments and history, reassign, cancel it or
change its priority.

Each action is the API's: the same workflow guard decides (a 409 there is a refusal
message here), the same workflow function changes the ticket and writes the same history
event, with the superuser as its actor. Tickets are never edited field by field here.

Changing the priority is the one action the API has no route for (its PATCH is the
requester's, while NEW). Here it is triage: allowed to whoever may assign the ticket
(operators, and superusers through the root ACL), while the ticket is open — DONE and
CANCELLED are final, as everywhere else. It goes through ``workflow.edit_ticket`` and so
records an ``edited`` event with ``data.changes``.
"""

from collections.abc import Callable
from enum import Enum

import colander
from pyramid.request import Request
from sqlalchemy import Select, select

from .. import workflow
from ..models import Priority, Role, Ticket, TicketEvent, TicketStatus, User
from ..permissions import Permission
from ..queries import (
    COMMENTS_OLDEST_FIRST,
    EVENTS_OLDEST_FIRST,
    TICKET_SORT_KEYS,
    comment_query,
    event_query,
)
from ..resources import MAX_ID, TicketContainer, TicketResource
from ..schemas import PRIORITY_NAMES, Choice, text
from .i18n import Translator, translator
from .registry import N_, Choices, Column, Filter, ModelAdmin, Panel, RowAction
from .rendering import format_value

#: Triage: the permission to route a ticket, in the statuses where it is still open.
PRIORITIZE = workflow.Action(
    "prioritize",
    (
        (
            Permission.TICKET_ASSIGN,
            frozenset({workflow.NEW, workflow.ASSIGNED, workflow.IN_PROGRESS, workflow.WAITING}),
        ),
    ),
)


# --- lookups ---------------------------------------------------------------------------


def get_ticket(request: Request, ticket_id: int) -> Ticket | None:
    """The ticket, row-locked on a POST (as the API's resources do), or None."""
    try:
        return TicketContainer(request)[str(ticket_id)].ticket
    except KeyError:
        return None


def resource(request: Request, ticket: Ticket) -> TicketResource:
    """The ticket as the ACL sees it, so that workflow guards apply as in the API."""
    return TicketResource(ticket, TicketContainer(request))


def user_choices(query: Select) -> Choices:
    """Users of ``query`` as ``(id, username)`` choices, by username."""

    def choices(request: Request) -> list[tuple[str, str]]:
        users = request.dbsession.scalars(query.order_by(User.username_key)).all()
        return [(str(user.id), user.username) for user in users]

    return choices


def coded(enum: type[Enum]) -> Choices:
    """An enum's members as choices: the code, and its label in the page's language."""

    def choices(request: Request) -> list[tuple[str, str]]:
        _ = translator(request)
        return [(member.name, _(member.name)) for member in enum]

    return choices


#: Anyone who is, or was, the executor / requester of some ticket.
executors_of_tickets = user_choices(
    select(User).where(User.id.in_(select(Ticket.executor_id).distinct()))
)
requesters_of_tickets = user_choices(
    select(User).where(User.id.in_(select(Ticket.requester_id).distinct()))
)
#: Whom a ticket may be assigned to: active executors (workflow.find_executor checks it too).
active_executors = user_choices(
    select(User).where(User.role == Role.EXECUTOR.value, User.is_active.is_(True))
)


# --- how a ticket shows ----------------------------------------------------------------


def priority_name(request: Request, ticket: Ticket) -> str:
    return translator(request)(Priority(ticket.priority).name)


def status_label(request: Request, ticket: Ticket) -> str:
    return translator(request)(ticket.status)


def requester_name(request: Request, ticket: Ticket) -> str:
    return ticket.requester.username


def executor_name(request: Request, ticket: Ticket) -> str | None:
    return ticket.executor.username if ticket.executor else None


def comments(request: Request, ticket: Ticket) -> dict:
    """Every comment, internal notes included (the template marks them)."""
    query = comment_query(ticket, include_internal=True)
    rows = request.dbsession.scalars(query.order_by(*COMMENTS_OLDEST_FIRST.order_by())).all()
    _ = translator(request)
    return {
        "comments": [
            {
                "author": comment.author.username,
                "when": format_value(comment.created_at, _),
                "internal": comment.internal,
                "body": comment.body,
            }
            for comment in rows
        ]
    }


def event_details(event: TicketEvent, usernames: dict, _: Translator) -> list[str]:
    """What an event's data says, in words: the fields edited, the executors, the reason."""
    data = event.data or {}
    if event.kind == "edited":
        # Priorities are codes to translate; titles and descriptions are the requester's words.
        shown = {"priority": _}
        return [
            f"{_(field.capitalize())}: {shown.get(field, str)(old)} → {shown.get(field, str)(new)}"
            for field, (old, new) in data.get("changes", {}).items()
        ]
    if event.kind == "assigned":
        names = [
            usernames.get(data.get(key)) or _("none")
            for key in ("from_executor_id", "to_executor_id")
        ]
        return [f"{_('Executor')}: {names[0]} → {names[1]}"]
    if event.kind == "cancelled" and data.get("reason"):
        return [_("reason: {reason}", reason=data["reason"])]
    if event.kind == "commented":
        note = _("comment #{id}", id=data.get("comment_id"))
        return [f"{note} ({_('internal')})" if data.get("internal") else note]
    return []


def history(request: Request, ticket: Ticket) -> dict:
    """Every event, oldest first, told in words (usernames for the executors' ids)."""
    query = event_query(ticket_id=ticket.id, include_internal=True)
    events = request.dbsession.scalars(query.order_by(*EVENTS_OLDEST_FIRST.order_by())).all()
    ids = {
        event.data.get(key)
        for event in events
        for key in ("from_executor_id", "to_executor_id")
        if (event.data or {}).get(key)
    }
    usernames = dict(
        request.dbsession.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    )
    _ = translator(request)
    return {
        "events": [
            {
                "when": format_value(event.created_at, _),
                "actor": event.actor.username if event.actor else "—",
                "kind": _(event.kind),
                "transition": (
                    f"{_(event.from_status) if event.from_status else '—'} → {_(event.to_status)}"
                    if event.to_status
                    else ""
                ),
                "details": event_details(event, usernames, _),
            }
            for event in events
        ]
    }


# --- actions ---------------------------------------------------------------------------


class ReassignForm(colander.MappingSchema):
    executor_id = colander.SchemaNode(
        colander.Int(),
        title=N_("Executor"),
        validator=colander.Range(min=1, max=MAX_ID),
        choices=active_executors,
        widget="select",
    )


class CancelForm(colander.MappingSchema):
    reason = text(
        multiline=True,
        title=N_("Reason"),
        validator=colander.Length(max=2000),
        missing="",
        widget="textarea",
    )


class PriorityForm(colander.MappingSchema):
    priority = colander.SchemaNode(
        Choice(PRIORITY_NAMES), title=N_("Priority"), choices=coded(Priority)
    )


def reassign(request: Request, ticket: Ticket, values: dict) -> None:
    """As ``POST /api/tickets/{id}/assign/``: guard, an active executor, an ``assigned`` event."""
    workflow.ACTIONS["assign"].guard(request, resource(request, ticket))
    executor = workflow.find_executor(request.dbsession, values["executor_id"])
    workflow.assign(request.dbsession, ticket, request.user, executor)


def cancel(request: Request, ticket: Ticket, values: dict) -> None:
    """As ``POST /api/tickets/{id}/cancel/``: guard, then a ``cancelled`` event with the reason."""
    workflow.ACTIONS["cancel"].guard(request, resource(request, ticket))
    workflow.cancel(request.dbsession, ticket, request.user, values["reason"])


def change_priority(request: Request, ticket: Ticket, values: dict) -> str | None:
    """Triage (see the module's docstring): an ``edited`` event with ``data.changes``."""
    PRIORITIZE.guard(request, resource(request, ticket))
    if Priority(ticket.priority).name == values["priority"]:
        _ = translator(request)
        return _(
            "The priority is already {priority}: nothing changed.", priority=_(values["priority"])
        )
    workflow.edit_ticket(request.dbsession, ticket, request.user, {"priority": values["priority"]})
    return None


def allows(action: workflow.Action) -> Callable[[Request, Ticket], bool]:
    """Whether ``action`` is open on a ticket now: shows its form only when it would pass."""

    def available(request: Request, ticket: Ticket) -> bool:
        return action.allowed(request, resource(request, ticket))

    return available


TICKETS = ModelAdmin(
    name="tickets",
    model=Ticket,
    label=N_("Tickets"),
    label_singular=N_("Ticket"),
    permission=Permission.ADMIN,
    title=lambda ticket: f"#{ticket.id} {ticket.title}",
    columns=(
        Column("id", N_("ID"), sort="id"),
        Column("title", N_("Title"), link=True),
        Column("status", N_("Status"), display=status_label),
        Column("priority", N_("Priority"), display=priority_name, sort="priority"),
        Column("requester", N_("Requester"), display=requester_name),
        Column("executor", N_("Executor"), display=executor_name),
        Column("created_at", N_("Created"), sort="created_at"),
        Column("updated_at", N_("Updated"), sort="updated_at"),
    ),
    filters=(
        Filter("status", N_("Status"), Ticket.status, coded(TicketStatus)),
        Filter(
            "priority",
            N_("Priority"),
            Ticket.priority,
            coded(Priority),
            convert=lambda name: Priority[name].value,
        ),
        Filter(
            "executor_id", N_("Executor"), Ticket.executor_id, executors_of_tickets, convert=int
        ),
        Filter(
            "requester_id", N_("Requester"), Ticket.requester_id, requesters_of_tickets, convert=int
        ),
    ),
    search_fields=(Ticket.title, Ticket.description),
    orderings=TICKET_SORT_KEYS,
    default_ordering="-created_at",
    readonly_fields=(
        Column("id", N_("ID")),
        Column("title", N_("Title")),
        Column("description", N_("Description")),
        Column("status", N_("Status"), display=status_label),
        Column("priority", N_("Priority"), display=priority_name),
        Column("requester", N_("Requester"), display=requester_name),
        Column("executor", N_("Executor"), display=executor_name),
        Column("created_at", N_("Created")),
        Column("updated_at", N_("Updated")),
        Column("assigned_at", N_("Assigned at")),
        Column("completed_at", N_("Completed at")),
    ),
    actions=(
        RowAction(
            "reassign",
            N_("Reassign"),
            ReassignForm,
            reassign,
            done=N_("Ticket reassigned."),
            available=allows(workflow.ACTIONS["assign"]),
            initial=lambda ticket: {"executor_id": ticket.executor_id},
            intro=N_("Choose an active executor; the ticket becomes Assigned."),
        ),
        RowAction(
            "priority",
            N_("Change priority"),
            PriorityForm,
            change_priority,
            done=N_("Priority changed."),
            available=allows(PRIORITIZE),
            initial=lambda ticket: {"priority": Priority(ticket.priority).name},
            intro=N_("Open tickets only (New, Assigned, In progress, Waiting)."),
        ),
        RowAction(
            "cancel",
            N_("Cancel ticket"),
            CancelForm,
            cancel,
            done=N_("Ticket cancelled."),
            available=allows(workflow.ACTIONS["cancel"]),
            intro=N_("Cancelling is final; the executor keeps seeing the ticket."),
        ),
    ),
    panels=(
        Panel(N_("Comments"), "panel_comments.jinja2", comments),
        Panel(N_("History"), "panel_history.jinja2", history),
    ),
    get=get_ticket,
)
