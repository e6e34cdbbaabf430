"""The ticket lifecycle: which action each status allows, and the history each change writes.

The API and the admin both change tickets only through these functions, so the rules and
the history are the same wherever a change comes from. Who may act is the resources' ACL;
this module adds what the ticket's status allows.
"""

from dataclasses import dataclass

from pyramid.httpexceptions import HTTPForbidden
from sqlalchemy.orm import Session

from .exceptions import InvalidInput, TransitionNotAllowed
from .models import Comment, Priority, Role, Ticket, TicketEvent, TicketStatus, User, utcnow
from .permissions import Permission

NEW, ASSIGNED, IN_PROGRESS, DONE, CANCELLED = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.DONE,
    TicketStatus.CANCELLED,
)
ALL_STATUSES = frozenset(TicketStatus)


@dataclass(frozen=True)
class Action:
    """An action on a ticket: allowed when some rule's permission is held in its statuses."""

    name: str
    rules: tuple[tuple[Permission, frozenset[str]], ...]

    def allowed(self, request, resource) -> bool:
        status = resource.ticket.status
        return any(
            status in statuses and request.has_permission(permission, resource)
            for permission, statuses in self.rules
        )

    def guard(self, request, resource) -> None:
        """Refuse the action: 403 without any of its permissions, 409 if the status forbids it."""
        if self.allowed(request, resource):
            return
        if not any(request.has_permission(p, resource) for p, _ in self.rules):
            raise HTTPForbidden()
        raise TransitionNotAllowed(
            f"Cannot {self.name} a ticket whose status is {resource.ticket.status}."
        )


ACTIONS = {
    action.name: action
    for action in (
        Action("edit", ((Permission.TICKET_EDIT, frozenset({NEW})),)),
        Action("assign", ((Permission.TICKET_ASSIGN, frozenset({NEW, ASSIGNED, IN_PROGRESS})),)),
        Action("start", ((Permission.TICKET_EXECUTE, frozenset({ASSIGNED})),)),
        Action("execute", ((Permission.TICKET_EXECUTE, frozenset({ASSIGNED, IN_PROGRESS})),)),
        Action(
            "cancel",
            (
                (Permission.TICKET_CANCEL, frozenset({NEW, ASSIGNED})),
                (Permission.TICKET_CANCEL_STARTED, frozenset({IN_PROGRESS})),
            ),
        ),
        Action("comment", ((Permission.TICKET_COMMENT, ALL_STATUSES),)),
    )
}


#: Triage: changing the priority of an open ticket, for whoever may route it (operators,
#: superusers). Not among ``ACTIONS``: the API's PATCH stays the requester's; the admin and
#: ``POST /api/tickets/bulk/`` use this rule.
PRIORITIZE = Action(
    "prioritize", ((Permission.TICKET_ASSIGN, frozenset({NEW, ASSIGNED, IN_PROGRESS})),)
)


def allowed_actions(request, resource) -> list[str]:
    """What the caller may do to this ticket now; the routes enforce exactly this."""
    return [name for name, action in ACTIONS.items() if action.allowed(request, resource)]


def _record(
    dbsession: Session,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    internal: bool = False,
    data: dict | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        actor_id=actor.id if actor else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        internal=internal,
        created_at=utcnow(),
    )
    dbsession.add(event)
    return event


def _move(ticket: Ticket, status: str) -> str:
    previous, ticket.status, ticket.updated_at = ticket.status, status, utcnow()
    return previous


def create_ticket(
    dbsession: Session,
    requester: User,
    title: str,
    description: str = "",
    priority: str = "NORMAL",
    *,
    filed_by: User | None = None,
) -> Ticket:
    """A NEW ticket of ``requester``; ``filed_by`` someone else (the admin, on the requester's
    behalf) makes them the ``created`` event's actor, with ``data.on_behalf_of``."""
    now = utcnow()
    ticket = Ticket(
        title=title,
        description=description,
        priority=Priority[priority].value,
        status=NEW,
        requester_id=requester.id,
        requester=requester,
        created_at=now,
        updated_at=now,
    )
    dbsession.add(ticket)
    dbsession.flush()
    if filed_by is not None and filed_by.id != requester.id:
        data = {"on_behalf_of": requester.id}
        _record(dbsession, ticket, filed_by, "created", to_status=NEW, data=data)
    else:
        _record(dbsession, ticket, requester, "created", to_status=NEW)
    return ticket


def edit_ticket(dbsession: Session, ticket: Ticket, actor: User, changes: dict) -> Ticket:
    """Apply title/description/priority changes; records only what really changed."""
    changed = {}
    for field, new in changes.items():
        old = Priority(ticket.priority).name if field == "priority" else getattr(ticket, field)
        if old != new:
            changed[field] = [old, new]
            setattr(ticket, field, Priority[new].value if field == "priority" else new)
    if changed:
        ticket.updated_at = utcnow()
        dbsession.flush()
        _record(dbsession, ticket, actor, "edited", data={"changes": changed})
    return ticket


def find_executor(dbsession: Session, executor_id: int) -> User:
    executor = dbsession.get(User, executor_id)
    if executor is None or executor.role != Role.EXECUTOR or not executor.is_active:
        raise InvalidInput("executor_id", "Must be the id of an active executor.")
    return executor


def assign(dbsession: Session, ticket: Ticket, actor: User, executor: User) -> Ticket:
    previous_executor_id = ticket.executor_id
    ticket.executor_id, ticket.executor = executor.id, executor
    previous = _move(ticket, ASSIGNED)
    ticket.assigned_at = ticket.updated_at
    dbsession.flush()
    _record(
        dbsession,
        ticket,
        actor,
        "assigned",
        from_status=previous,
        to_status=ASSIGNED,
        data={"from_executor_id": previous_executor_id, "to_executor_id": executor.id},
    )
    return ticket


def execute(
    dbsession: Session, ticket: Ticket, actor: User, status: str, comment: str | None = None
) -> Ticket:
    """Move an assigned ticket to IN_PROGRESS or DONE; ``comment`` is kept as a comment."""
    if status == IN_PROGRESS and ticket.status != ASSIGNED:
        raise TransitionNotAllowed(f"Cannot start a ticket whose status is {ticket.status}.")
    previous = _move(ticket, status)
    if status == DONE:
        ticket.completed_at = ticket.updated_at
    dbsession.flush()
    _record(dbsession, ticket, actor, "status_changed", from_status=previous, to_status=status)
    if comment:
        add_comment(dbsession, ticket, actor, comment)
    return ticket


def cancel(dbsession: Session, ticket: Ticket, actor: User, reason: str | None = None) -> Ticket:
    previous = _move(ticket, CANCELLED)
    dbsession.flush()
    _record(
        dbsession,
        ticket,
        actor,
        "cancelled",
        from_status=previous,
        to_status=CANCELLED,
        data={"reason": reason or ""},
    )
    return ticket


def add_comment(
    dbsession: Session, ticket: Ticket, author: User, body: str, internal: bool = False
) -> Comment:
    comment = Comment(
        ticket_id=ticket.id,
        author_id=author.id,
        author=author,
        body=body,
        internal=internal,
        created_at=utcnow(),
    )
    dbsession.add(comment)
    dbsession.flush()
    _record(
        dbsession,
        ticket,
        author,
        "commented",
        internal=internal,
        data={"comment_id": comment.id, "internal": internal},
    )
    return comment
