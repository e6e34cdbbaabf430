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
from pyramid.httpexceptions import HTTPForbidden
from pyramid.request import Request
from sqlalchemy import not_, select

from .. import bulk, schemas, workflow
from ..exceptions import InvalidInput
from ..i18n import N_, _
from ..lists import unmet_target_due_before
from ..models import Priority, Role, Ticket, TicketEvent, TicketStatus, User, utcnow
from ..permissions import Permission
from ..queries import (
    COMMENTS_OLDEST_FIRST,
    EVENTS_OLDEST_FIRST,
    TICKET_SORT_KEYS,
    comment_query,
    event_query,
)
from ..representations import service_level_json
from ..resources import TicketContainer, TicketResource, parse_id
from ..schemas import PRIORITY_NAMES, Choice
from . import forms
from .attachments import attachments
from .i18n import Translator, translator
from .registry import (
    BulkAction,
    BulkOutcome,
    Choices,
    Column,
    Filter,
    ModelAdmin,
    Panel,
    RowAction,
)
from .rendering import format_value
from .users import is_true, yes_no

PRIORITIZE = workflow.PRIORITIZE


# --- lookups ---------------------------------------------------------------------------


def get_ticket(request: Request, ticket_id: int) -> Ticket | None:
    """The ticket, row-locked on a POST (the view checked the admin permission), or None."""
    try:
        ticket = TicketContainer(request)[str(ticket_id)].ticket
    except KeyError:
        return None
    if request.method == "POST":
        return workflow.lock_ticket(request.dbsession, ticket.id)
    return ticket


def resource(request: Request, ticket: Ticket) -> TicketResource:
    """The ticket as the ACL sees it, so that workflow guards apply as in the API."""
    return TicketResource(ticket, TicketContainer(request))


def coded(enum: type[Enum]) -> Choices:
    """An enum's members as choices: the code, and its label in the page's language."""

    def choices(request: Request) -> list[tuple[str, str]]:
        _ = translator(request)
        return [(member.name, _(member.name)) for member in enum]

    return choices


# --- how a ticket shows ----------------------------------------------------------------


def priority_name(request: Request, ticket: Ticket) -> str:
    return translator(request)(Priority(ticket.priority).name)


def status_label(request: Request, ticket: Ticket) -> str:
    return translator(request)(ticket.status)


def requester_name(request: Request, ticket: Ticket) -> str:
    return ticket.requester.username


def executor_name(request: Request, ticket: Ticket) -> str | None:
    return ticket.executor.username if ticket.executor else None


def sla_state(request: Request, ticket: Ticket) -> str | None:
    """Where each service-level target stands now, as the API's ``sla`` says."""
    _ = translator(request)
    states = service_level_json(ticket)["sla"]
    return "; ".join(
        f"{_(label)}: {_('sla:' + states[key])}"
        for key, label in (("response", "First response"), ("resolution", "Resolution"))
        if states[key]
    )


def overdue(value: bool):
    """Open tickets with a target missed and not met by now (``?overdue=`` of the API)."""
    missed = unmet_target_due_before(utcnow(), inclusive=True)
    return missed if value else not_(missed)


#: The admin's orderings: the API's, and the columns whose indexes (ticket lists' own, or
#: migration 0010's for the title) serve them; the id breaks ties. Executor and requester
#: sort by the person's id, which groups their tickets: a name lives in another table.
ORDERINGS = {
    **TICKET_SORT_KEYS,
    "title": (Ticket.title, Ticket.id),
    "status": (Ticket.status, Ticket.created_at, Ticket.id),
    "executor": (Ticket.executor_id, Ticket.created_at, Ticket.id),
    "requester": (Ticket.requester_id, Ticket.created_at, Ticket.id),
}


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
        return [_("reason: ${reason}", reason=data["reason"])]
    if event.kind in ("attachment_added", "attachment_removed"):
        name = data.get("filename", "")
        return [f"{name} ({_('internal')})" if data.get("internal") else name]
    if event.kind == "commented":
        note = _("comment #${id}", id=data.get("comment_id"))
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


#: The API's AssignBody: the same rule for an executor's id (a JSON integer, at least 1).
ReassignForm = forms.derived(
    schemas.AssignBody,
    executor_id={
        "title": N_("Executor"),
        "lookup": "executors",
        "help": N_("The executor's id: type a username to choose one."),
    },
)
#: The API's CancelBody: an optional reason of at most 2,000 characters.
CancelForm = forms.derived(
    schemas.CancelBody, reason={"title": N_("Reason"), "widget": "textarea", "missing": ""}
)
#: The API's CommentBody: the same length limits, and the internal flag.
CommentForm = forms.derived(
    schemas.CommentBody,
    body={"title": N_("Comment"), "widget": "textarea"},
    internal={
        "title": N_("Internal note"),
        "widget": "checkbox",
        "help": N_("Seen by operators and executors only, never by the requester."),
    },
)
#: The API's TicketCreateBody, plus whose ticket it is.
TicketCreateForm = forms.derived(
    schemas.AdminTicketCreateBody,
    requester_id={
        "title": N_("Requester"),
        "lookup": "users",
        "help": N_("The requester's id: type a username to choose one."),
    },
    title={"title": N_("Title")},
    description={"title": N_("Description"), "widget": "textarea"},
    priority={"title": N_("Priority"), "choices": coded(Priority), "widget": "select"},
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
    workflow.cancel(request.dbsession, ticket, request.user, values.get("reason", ""))


def change_priority(request: Request, ticket: Ticket, values: dict) -> str | None:
    """Triage (see the module's docstring): an ``edited`` event with ``data.changes``."""
    PRIORITIZE.guard(request, resource(request, ticket))
    if Priority(ticket.priority).name == values["priority"]:
        _ = translator(request)
        return _(
            "The priority is already ${priority}: nothing changed.", priority=_(values["priority"])
        )
    workflow.edit_ticket(request.dbsession, ticket, request.user, {"priority": values["priority"]})
    return None


def titles(request: Request, ids: list[int]) -> dict[int, str]:
    rows = request.dbsession.execute(select(Ticket.id, Ticket.title).where(Ticket.id.in_(ids)))
    return {ticket_id: f"#{ticket_id} {title}" for ticket_id, title in rows}


def bulk_run(action: str) -> Callable[[Request, list[int], dict], list[BulkOutcome]]:
    """A bulk action through ``desk.bulk``, item by item as ``POST /api/tickets/bulk/``."""

    def run(request: Request, ids: list[int], values: dict) -> list[BulkOutcome]:
        _ = translator(request)
        items = [{"id": ticket_id, "action": action, **values} for ticket_id in ids]
        labels = titles(request, ids)
        return [
            BulkOutcome(
                result.id,
                labels.get(result.id, f"#{result.id}"),
                result.ok,
                "" if result.ok else refusal_text(result, _),
            )
            for result in bulk.run_items(request, items)
        ]

    return run


def refusal_text(result: bulk.ItemResult, _: Translator) -> str:
    """Why an item was refused, in the page's language: the fields' reasons, else the detail."""
    errors = result.problem.get("errors")
    if errors:
        return " ".join(f"{_(e['name'])}: {e['description']}" for e in errors)
    if result.status == 404:
        return _("No such ticket.")
    return _(result.message)


def comment(request: Request, ticket: Ticket, values: dict) -> None:
    """As ``POST /api/tickets/{id}/comments/``: a comment, or an internal note."""
    context = resource(request, ticket)
    workflow.ACTIONS["comment"].guard(request, context)
    if values["internal"] and not request.has_permission(Permission.TICKET_INTERNAL_NOTES, context):
        raise HTTPForbidden()
    workflow.add_comment(
        request.dbsession, ticket, request.user, values["body"], values["internal"]
    )


def file_ticket(request: Request, values: dict) -> Ticket:
    """A ticket filed by the superuser on a requester's behalf; its ``created`` event names
    the superuser as the actor and the requester in ``data.on_behalf_of``."""
    requester = request.dbsession.get(User, values["requester_id"])
    if requester is None or requester.role != Role.REQUESTER or not requester.is_active:
        raise InvalidInput("requester_id", _("Must be the id of an active requester."))
    return workflow.create_ticket(
        request.dbsession,
        requester,
        values["title"],
        values["description"],
        values["priority"],
        filed_by=request.user,
    )


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
        Column("title", N_("Title"), link=True, sort="title"),
        Column("status", N_("Status"), display=status_label, sort="status"),
        Column(
            "priority",
            N_("Priority"),
            display=priority_name,
            sort="priority",
            export=lambda ticket: Priority(ticket.priority).name,
        ),
        Column(
            "requester",
            N_("Requester"),
            display=requester_name,
            sort="requester",
            export=lambda ticket: ticket.requester.username,
        ),
        Column(
            "executor",
            N_("Executor"),
            display=executor_name,
            sort="executor",
            export=lambda ticket: ticket.executor.username if ticket.executor else None,
        ),
        Column("response_due_at", N_("Response due"), sort="response_due_at"),
        Column("resolution_due_at", N_("Resolution due"), sort="resolution_due_at"),
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
        Filter("executor_id", N_("Executor"), Ticket.executor_id, None, parse_id, lookup="users"),
        Filter(
            "requester_id", N_("Requester"), Ticket.requester_id, None, parse_id, lookup="users"
        ),
        Filter("overdue", N_("Overdue"), None, yes_no, convert=is_true, where=overdue),
    ),
    search_fields=(Ticket.title, Ticket.description),
    orderings=ORDERINGS,
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
        Column("response_due_at", N_("Response due")),
        Column("resolution_due_at", N_("Resolution due")),
        Column("first_response_at", N_("First response")),
        Column("sla", N_("Service levels"), display=sla_state),
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
            "comment",
            N_("Add a comment"),
            CommentForm,
            comment,
            done=N_("Comment added."),
            available=allows(workflow.ACTIONS["comment"]),
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
    bulk_actions=(
        BulkAction("assign", N_("Assign to an executor"), ReassignForm, bulk_run("assign")),
        BulkAction("priority", N_("Change priority"), PriorityForm, bulk_run("priority")),
        BulkAction("cancel", N_("Cancel tickets"), CancelForm, bulk_run("cancel")),
    ),
    create_schema=TicketCreateForm,
    create=file_ticket,
    panels=(
        Panel(N_("Comments"), "panel_comments.jinja2", comments),
        Panel(N_("Attachments"), "panel_attachments.jinja2", attachments),
        Panel(N_("History"), "panel_history.jinja2", history),
    ),
    get=get_ticket,
    # What decides an action's guard: the ticket's status and whose it is (as the API's lists).
    action_key=lambda ticket: (ticket.status, ticket.requester_id, ticket.executor_id),
)
