"""How users, tickets, comments and events look in JSON responses."""

from .models import Comment, Priority, Ticket, TicketEvent, User
from .resources import TicketContainer, TicketResource
from .workflow import allowed_actions


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
        "date_joined": user.date_joined,
    }


def ticket_json(request, resource: TicketResource) -> dict:
    ticket = resource.ticket
    return {
        "id": ticket.id,
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": Priority(ticket.priority).name,
        "requester": user_ref(ticket.requester),
        "executor": user_ref(ticket.executor),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "assigned_at": ticket.assigned_at,
        "completed_at": ticket.completed_at,
        "allowed_actions": allowed_actions(request, resource),
    }


def ticket_list_json(request, container: TicketContainer, tickets: list[Ticket]) -> list[dict]:
    return [ticket_json(request, TicketResource(ticket, container)) for ticket in tickets]


def etag(ticket: Ticket) -> str:
    """A strong validator that changes with every change to the ticket."""
    return f"{ticket.id}.{ticket.version}"


def comment_json(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "author": user_ref(comment.author),
        "body": comment.body,
        "internal": comment.internal,
        "created_at": comment.created_at,
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
        "created_at": event.created_at,
    }
