"""How users, tickets, comments and events look in JSON responses.

Times are written here as ISO 8601 strings, exactly as the JSON renderer's datetime adapter
would write them: the renderer then meets only plain JSON types and never looks an adapter
up in the registry, which cost more than the rest of a ticket's representation.
"""

from datetime import datetime

from pyramid.authorization import Everyone

from .models import Comment, Priority, Ticket, TicketEvent, TicketStatus, User, utcnow
from .resources import TicketContainer, TicketResource
from .sla.levels import target_state
from .workflow import allowed_actions

PRIORITY_NAMES = {priority.value: priority.name for priority in Priority}


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def user_ref(user: User | None) -> dict | None:
    return {"id": user.id, "username": user.username} if user else None


def user_json(user: User) -> dict:
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
    }


def ticket_json(request, resource: TicketResource) -> dict:
    ticket = resource.ticket
    return {
        "id": ticket.id,
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": PRIORITY_NAMES[ticket.priority],
        "requester": user_ref(ticket.requester),
        "executor": user_ref(ticket.executor),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "assigned_at": iso(ticket.assigned_at),
        "completed_at": iso(ticket.completed_at),
        "allowed_actions": allowed_actions(request, resource),
        **service_level_json(ticket),
    }


def service_level_json(ticket: Ticket, now=None) -> dict:
    """The stored due times (``desk.sla``) and where each target stands now."""
    now = now or utcnow()
    # A waiting ticket's resolution clock stands still: no due time, still pending.
    paused = ticket.status == TicketStatus.WAITING and ticket.response_due_at is not None
    return {
        "response_due_at": iso(ticket.response_due_at),
        "resolution_due_at": iso(ticket.resolution_due_at),
        "first_response_at": iso(ticket.first_response_at),
        "sla": {
            "response": target_state(ticket.response_due_at, ticket.first_response_at, now),
            "resolution": target_state(
                ticket.resolution_due_at, ticket.completed_at, now, paused=paused
            ),
        },
    }


class PagePermissions:
    """The request, with ``has_permission`` on a page's tickets memoized.

    A ticket's permissions are its ACL's, then its container's and the root's. ACL entries
    for principals the caller does not hold never match, so two tickets of one container
    whose entries for the caller's principals are the same grant the caller the same
    permissions. A page of 100 tickets asks for ``allowed_actions`` some 900 times; this
    answers all but a handful from the first ticket with the same entries. Anything else is
    the request's own.
    """

    def __init__(self, request):
        self._request = request
        identity = request.identity
        principals = getattr(identity, "principals", None)
        self._principals = None if principals is None else frozenset((Everyone, *principals))
        self._answers = {}
        self._entries = {}

    def __getattr__(self, name):
        return getattr(self._request, name)

    def has_permission(self, permission, context=None):
        if self._principals is None or not isinstance(context, TicketResource):
            return self._request.has_permission(permission, context)
        entries = self._entries.get(id(context))
        if entries is None:
            acl = context.__acl__
            entries = tuple(ace for ace in acl if ace[1] in self._principals)
            # Keyed by id() while the resource lives: ticket_list_json keeps them all.
            self._entries[id(context)] = entries
        key = (permission, context.__parent__, entries)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._request.has_permission(permission, context)
        return answer


def ticket_list_json(request, container: TicketContainer, tickets: list[Ticket]) -> list[dict]:
    page = PagePermissions(request)
    resources = [TicketResource(ticket, container) for ticket in tickets]
    return [ticket_json(page, resource) for resource in resources]


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
