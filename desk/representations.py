"""How users, tickets, comments and events look in JSON responses.

Times are written here as ISO 8601 strings, exactly as the JSON renderer's datetime adapter
would write them: the renderer then meets only plain JSON types and never looks an adapter
up in the registry, which cost more than the rest of a ticket's representation.
"""

from datetime import datetime

from sqlalchemy import Row

from .models import Comment, Priority, Ticket, TicketEvent, TicketStatus, User, utcnow
from .resources import TicketContainer, TicketResource
from .sla.levels import target_state
from .workflow import allowed_actions

PRIORITY_NAMES = {priority.value: priority.name for priority in Priority}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_ref(user: User | None) -> dict | None:
    return {"id": user.id, "username": user.username} if user else None


def user_json(user: User | Row) -> dict:
    """A user: an ORM ``User`` or a row with its columns (``request.caller``)."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "date_joined": iso(user.date_joined),
        "notify_email": user.notify_email,
        "language": user.language,
    }


def ticket_json(request, resource: TicketResource, actions: list[str] | None = None) -> dict:
    """A ticket; ``actions`` are its ``allowed_actions`` when the caller knows them already."""
    ticket = resource.ticket
    if actions is None:
        actions = allowed_actions(request, resource)
    if isinstance(ticket, Row):  # read by a request that changes nothing (TicketContainer)
        return ticket_row_json(ticket, actions, utcnow())
    return ticket_fields(ticket, user_ref(ticket.requester), user_ref(ticket.executor), actions)


def ticket_row_json(row: Row, actions: list[str], now: datetime) -> dict:
    """A ticket from its row (``desk.queries.TICKET_ROW_COLUMNS``): the same as an ORM
    ``Ticket``'s ``ticket_json``."""
    requester = {"id": row.requester_id, "username": row.requester_username}
    executor = (
        {"id": row.executor_id, "username": row.executor_username}
        if row.executor_id is not None
        else None
    )
    return ticket_fields(row, requester, executor, actions, now)


def ticket_fields(
    ticket: Ticket | Row,
    requester: dict | None,
    executor: dict | None,
    actions: list[str],
    now: datetime | None = None,
) -> dict:
    """A ticket's representation, from anything with its columns as attributes."""
    # The times written out here rather than through iso(): a page writes 180 of them.
    created, updated = ticket.created_at, ticket.updated_at
    assigned, completed = ticket.assigned_at, ticket.completed_at
    return {
        "id": ticket.id,
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": PRIORITY_NAMES[ticket.priority],
        "requester": requester,
        "executor": executor,
        "created_at": created.isoformat() if created is not None else None,
        "updated_at": updated.isoformat() if updated is not None else None,
        "assigned_at": assigned.isoformat() if assigned is not None else None,
        "completed_at": completed.isoformat() if completed is not None else None,
        "allowed_actions": actions,
        **service_level_json(ticket, now),
    }


def service_level_json(ticket: Ticket | Row, now: datetime | None = None) -> dict:
    """The stored due times (``desk.sla``) and where each target stands now."""
    now = now or utcnow()
    response_due, resolution_due = ticket.response_due_at, ticket.resolution_due_at
    first_response = ticket.first_response_at
    # A waiting ticket's resolution clock stands still: no due time, still pending.
    paused = ticket.status == TicketStatus.WAITING and response_due is not None
    return {
        "response_due_at": response_due.isoformat() if response_due is not None else None,
        "resolution_due_at": resolution_due.isoformat() if resolution_due is not None else None,
        "first_response_at": first_response.isoformat() if first_response is not None else None,
        "sla": {
            "response": target_state(response_due, first_response, now),
            "resolution": target_state(resolution_due, ticket.completed_at, now, paused=paused),
        },
    }


def ticket_list_json(request, container: TicketContainer, rows: list[Row]) -> list[dict]:
    """A page of list rows, ``allowed_actions`` computed once per kind of ticket.

    A ticket's permissions are its ACL's (its requester's and executor's entries, each
    naming that person's user principal), then its container's and the root's, and the
    actions depend on its status besides. A caller holds one user principal, its own: two
    tickets of one page that agree on their status, on whether the caller is their
    requester, whether they have an executor and whether the caller is it, get the same
    actions from the same policy. The ACL reads the row's columns as it reads a ``Ticket``'s.
    """
    caller = request.authenticated_userid
    actions: dict[tuple, list[str]] = {}
    now = utcnow()
    answers = []
    for row in rows:
        executor = row.executor_id
        key = (row.status, row.requester_id == caller, executor is None, executor == caller)
        found = actions.get(key)
        if found is None:
            found = actions[key] = allowed_actions(request, TicketResource(row, container))
        answers.append(ticket_row_json(row, found, now))
    return answers


def etag(ticket: Ticket) -> str:
    """A strong validator that changes with every change to the ticket."""
    return f"{ticket.id}.{ticket.version}"


def comment_json(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "author": user_ref(comment.author),
        "body": comment.body,
        "internal": comment.internal,
        "created_at": iso(comment.created_at),
    }


def event_json(event: TicketEvent) -> dict:
    return {
        "id": event.id,
        "ticket_id": event.ticket_id,
        "actor": user_ref(event.actor),
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "data": event.data,
        "created_at": iso(event.created_at),
    }
