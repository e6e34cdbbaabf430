"""The ticket lifecycle: which action each status allows, and the history each change writes.

The API and the admin both change tickets only through these functions, so the rules and
the history are the same wherever a change comes from. Who may act is the resources' ACL;
this module adds what the ticket's status allows.
"""

from dataclasses import dataclass
from datetime import datetime

from pyramid.httpexceptions import HTTPForbidden
from sqlalchemy import Insert, Row, Select, bindparam, insert, select
from sqlalchemy.orm import Session, lazyload, make_transient_to_detached

from .exceptions import InvalidInput, TransitionNotAllowed
from .i18n import C_, _
from .models import (
    Comment,
    Priority,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
    mark_changed,
    utcnow,
)
from .permissions import Permission
from .sla import sla_policy
from .sla.levels import service_levels

NEW, ASSIGNED, IN_PROGRESS, WAITING, DONE, CANCELLED = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING,
    TicketStatus.DONE,
    TicketStatus.CANCELLED,
)
ALL_STATUSES = frozenset(TicketStatus)
#: The statuses that are not final: a ticket in one may still be routed and changed.
OPEN_STATUSES = frozenset({NEW, ASSIGNED, IN_PROGRESS, WAITING})


def not_allowed(action: str, status: str) -> TransitionNotAllowed:
    """The refusal of ``action`` in ``status``: a message id and its values, not a text.

    The status is the ticket's code (``DONE``), as the API writes it; the admin shows its label.
    """
    return TransitionNotAllowed(
        _(
            "Cannot ${action} a ticket whose status is ${status}.",
            mapping={"action": ACTION_NAMES[action], "status": TicketStatus(status)},
        )
    )


#: The actions as a refusal names them (``Cannot cancel a ticket ...``).
ACTION_NAMES = {
    "edit": C_("action", "edit"),
    "assign": C_("action", "assign"),
    "start": C_("action", "start"),
    "execute": C_("action", "execute"),
    "cancel": C_("action", "cancel"),
    "wait": C_("action", "wait"),
    "resume": C_("action", "resume"),
    "comment": C_("action", "comment"),
    "remove an attachment of": C_("action", "remove an attachment of"),
    "prioritize": C_("action", "prioritize"),
}


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
        raise not_allowed(self.name, resource.ticket.status)


ACTIONS = {
    action.name: action
    for action in (
        Action("edit", ((Permission.TICKET_EDIT, frozenset({NEW})),)),
        Action("assign", ((Permission.TICKET_ASSIGN, OPEN_STATUSES),)),
        Action("start", ((Permission.TICKET_EXECUTE, frozenset({ASSIGNED, WAITING})),)),
        Action(
            "execute",
            ((Permission.TICKET_EXECUTE, frozenset({ASSIGNED, IN_PROGRESS, WAITING})),),
        ),
        Action(
            "cancel",
            (
                (Permission.TICKET_CANCEL, frozenset({NEW, ASSIGNED})),
                (Permission.TICKET_CANCEL_STARTED, frozenset({IN_PROGRESS, WAITING})),
            ),
        ),
        Action("wait", ((Permission.TICKET_WAIT, frozenset({ASSIGNED, IN_PROGRESS})),)),
        Action("resume", ((Permission.TICKET_WAIT, frozenset({WAITING})),)),
        Action("comment", ((Permission.TICKET_COMMENT, ALL_STATUSES),)),
    )
}


#: Removing a file: its uploader while the ticket is open, operators and superusers always.
#: Not a ticket action (``ACTIONS``): it acts on an attachment resource.
REMOVE_ATTACHMENT = Action(
    "remove an attachment of",
    (
        (Permission.ATTACHMENT_REMOVE_OWN, OPEN_STATUSES),
        (Permission.ATTACHMENT_REMOVE_ANY, ALL_STATUSES),
    ),
)


#: Triage: changing the priority of an open ticket, for whoever may route it (operators,
#: superusers). Not among ``ACTIONS``: the API's PATCH stays the requester's; the admin and
#: ``POST /api/tickets/bulk/`` use this rule.
PRIORITIZE = Action("prioritize", ((Permission.TICKET_ASSIGN, OPEN_STATUSES),))


def allowed_actions(request, resource) -> list[str]:
    """What the caller may do to this ticket now; the routes enforce exactly this."""
    return [name for name, action in ACTIONS.items() if action.allowed(request, resource)]


def lock_ticket(dbsession: Session, ticket_id: int) -> Ticket | None:
    """The ticket re-read under its row lock (``FOR UPDATE``), or None if it is gone.

    Call it once the caller is authorized on a plain read, then check again on what it
    returns: writers on one ticket queue up here, so each sees the last one's result. The
    session's ``Ticket`` is refreshed in place (``populate_existing``: a newer version than
    the one read before the wait is the point, not a conflict). The people are loaded after
    the lock: a joined row would be the one read before the wait (PostgreSQL re-reads only
    the locked row), naming a stale executor.
    """
    locked = (
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update(of=Ticket)
        .options(lazyload(Ticket.requester), lazyload(Ticket.executor))
        .execution_options(populate_existing=True)
    )
    return dbsession.scalars(locked).one_or_none()


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
    _refresh_service_levels(dbsession, ticket)
    return event


#: The ticket columns that ``desk.sla.levels.ServiceLevels`` fills.
SLA_COLUMNS = (
    "response_due_at",
    "resolution_due_at",
    "first_response_at",
    "response_warning_at",
    "resolution_warning_at",
)


def _refresh_service_levels(dbsession: Session, ticket: Ticket) -> None:
    """Store the service levels that the ticket's whole history gives (``desk.sla``).

    Runs before the change is flushed, so the ticket's row is written once per change: the
    stored events are read without a flush, and the ones this change added are in the session.
    """
    with dbsession.no_autoflush:
        events = list(
            dbsession.execute(
                select(
                    TicketEvent.id,
                    TicketEvent.kind,
                    TicketEvent.actor_id,
                    TicketEvent.from_status,
                    TicketEvent.to_status,
                    TicketEvent.internal,
                    TicketEvent.data,
                    TicketEvent.created_at,
                ).where(TicketEvent.ticket_id == ticket.id)
            )
        )
    events += [e for e in dbsession.new if isinstance(e, TicketEvent) and e.ticket_id == ticket.id]
    levels = service_levels(
        created_at=ticket.created_at,
        priority=Priority(ticket.priority).name,
        requester_id=ticket.requester_id,
        events=events,
        policy=sla_policy(dbsession),
    )
    for column in SLA_COLUMNS:
        value = getattr(levels, column)
        if getattr(ticket, column) != value:
            setattr(ticket, column, value)


def record_sla_event(
    dbsession: Session, ticket_id: int, kind: str, target: str, at: datetime, due_at: datetime
) -> TicketEvent:
    """A ``sla_breached`` or ``sla_warning`` event, dated when it happened (``at``), not now.

    Written by ``desk.sla.breaches.record_breaches``; the actor is the system (None).
    """
    event = TicketEvent(
        ticket_id=ticket_id,
        actor_id=None,
        kind=kind,
        data={"target": target, "due_at": due_at.isoformat()},
        internal=False,
        created_at=at,
    )
    dbsession.add(event)
    return event


def _move(ticket: Ticket, status: str) -> str:
    previous, ticket.status, ticket.updated_at = ticket.status, status, utcnow()
    return previous


#: The columns of a new ticket that a create writes, each a bound parameter of the same name.
NEW_TICKET_COLUMNS = (
    "title",
    "description",
    "priority",
    "status",
    "requester_id",
    "created_at",
    "updated_at",
    "version",
    *SLA_COLUMNS,
)
#: The ``created`` event's columns, each a bound parameter named ``event_<column>``.
NEW_EVENT_COLUMNS = ("actor_id", "kind", "to_status", "data", "internal", "created_at")


def _new_ticket_statements() -> tuple[Select, Insert, Insert]:
    """The statements of a create, built once (SQLAlchemy caches their compiled forms).

    PostgreSQL runs the first alone: the ticket's INSERT with RETURNING in a CTE and its
    ``created`` event's INSERT, which takes the new id from that CTE, in one statement (data
    changes in ``WITH`` run exactly once, and the event's foreign key is checked at the end
    of the statement). SQLite has no INSERT in ``WITH``: it runs the other two in turn.
    """
    tickets, events = Ticket.__table__, TicketEvent.__table__
    ticket = insert(tickets).values({name: bindparam(name) for name in NEW_TICKET_COLUMNS})
    ticket = ticket.returning(*tickets.c)
    event_values = {name: bindparam(f"event_{name}") for name in NEW_EVENT_COLUMNS}
    new = ticket.cte("new_ticket")
    event_of_new = insert(events).values(
        ticket_id=select(new.c.id).scalar_subquery(), **event_values
    )
    together = select(*new.c).add_cte(event_of_new.cte("new_event"))
    event = insert(events).values(ticket_id=bindparam("event_ticket_id"), **event_values)
    return together, ticket, event


TICKET_WITH_EVENT, TICKET_INSERT, EVENT_INSERT = _new_ticket_statements()


def file_ticket(
    dbsession: Session,
    requester: User | Row,
    title: str,
    description: str = "",
    priority: str = "NORMAL",
    *,
    filed_by: User | Row | None = None,
) -> Row:
    """File a ticket; its row as stored (every column of ``tickets``, from RETURNING).

    The ticket and its ``created`` event are Core INSERTs (one statement on PostgreSQL,
    ``TICKET_WITH_EVENT``), with no ORM object: the API's answer is built from the row.
    ``filed_by`` someone else (the admin, on the requester's behalf) makes them the
    ``created`` event's actor, with ``data.on_behalf_of``. ``requester`` and ``filed_by``
    need only an ``id``: a ``User`` or the caller's row.
    """
    now = utcnow()
    # A new ticket's service levels need no history: part of its one INSERT.
    levels = service_levels(
        created_at=now,
        priority=priority,
        requester_id=requester.id,
        events=[],
        policy=sla_policy(dbsession),
    )
    on_behalf = filed_by is not None and filed_by.id != requester.id
    params = {
        "title": title,
        "description": description,
        "priority": Priority[priority].value,
        "status": NEW,
        "requester_id": requester.id,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        **{column: getattr(levels, column) for column in SLA_COLUMNS},
        "event_actor_id": (filed_by or requester).id,
        "event_kind": "created",
        "event_to_status": NEW,
        "event_data": {"on_behalf_of": requester.id} if on_behalf else {},
        "event_internal": False,
        "event_created_at": now,
    }
    # zope.sqlalchemy sees the ORM's writes only, not these Core INSERTs.
    mark_changed(dbsession)
    if dbsession.get_bind().dialect.name == "postgresql":
        return dbsession.execute(TICKET_WITH_EVENT, params).one()
    ticket = dbsession.execute(TICKET_INSERT, params).one()
    dbsession.execute(EVENT_INSERT, {**params, "event_ticket_id": ticket.id})
    return ticket


def create_ticket(
    dbsession: Session,
    requester: User,
    title: str,
    description: str = "",
    priority: str = "NORMAL",
    *,
    filed_by: User | None = None,
) -> Ticket:
    """File a ticket (``file_ticket``) and return it as the session's ``Ticket``.

    For callers that go on with the ORM object (the admin, the bulk code, tests): it is made
    from the inserted row without a query, as if just loaded (``make_transient_to_detached``,
    then ``add``); its requester is found in the session's identity map.
    """
    row = file_ticket(dbsession, requester, title, description, priority, filed_by=filed_by)
    ticket = Ticket(**row._asdict())  # Row's documented named-tuple API
    make_transient_to_detached(ticket)
    dbsession.add(ticket)
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
        # A priority change recomputes the due times (_record), recorded with it.
        _record(dbsession, ticket, actor, "edited", data={"changes": changed})
        dbsession.flush()
    return ticket


def find_executor(dbsession: Session, executor_id: int) -> User:
    executor = dbsession.get(User, executor_id)
    if executor is None or executor.role != Role.EXECUTOR or not executor.is_active:
        raise InvalidInput("executor_id", _("Must be the id of an active executor."))
    return executor


def assign(dbsession: Session, ticket: Ticket, actor: User, executor: User) -> Ticket:
    previous_executor_id = ticket.executor_id
    ticket.executor_id, ticket.executor = executor.id, executor
    previous = _move(ticket, ASSIGNED)
    ticket.assigned_at = ticket.updated_at
    _record(
        dbsession,
        ticket,
        actor,
        "assigned",
        from_status=previous,
        to_status=ASSIGNED,
        data={"from_executor_id": previous_executor_id, "to_executor_id": executor.id},
    )
    dbsession.flush()
    return ticket


def execute(
    dbsession: Session, ticket: Ticket, actor: User, status: str, comment: str | None = None
) -> Ticket:
    """Move an assigned (or waiting) ticket to IN_PROGRESS or DONE; ``comment`` is kept as a
    comment."""
    if status == IN_PROGRESS and ticket.status not in (ASSIGNED, WAITING):
        raise not_allowed("start", ticket.status)
    previous = _move(ticket, status)
    if status == DONE:
        ticket.completed_at = ticket.updated_at
    _record(dbsession, ticket, actor, "status_changed", from_status=previous, to_status=status)
    dbsession.flush()
    if comment:
        add_comment(dbsession, ticket, actor, comment)
    return ticket


def cancel(dbsession: Session, ticket: Ticket, actor: User, reason: str | None = None) -> Ticket:
    previous = _move(ticket, CANCELLED)
    _record(
        dbsession,
        ticket,
        actor,
        "cancelled",
        from_status=previous,
        to_status=CANCELLED,
        data={"reason": reason or ""},
    )
    dbsession.flush()
    return ticket


def wait(dbsession: Session, ticket: Ticket, actor: User, question: str) -> Ticket:
    """Ask the requester ``question`` (a public comment); the ticket WAITs for the answer.

    The resolution clock stands still until the requester's next public comment, or until
    the executor or an operator takes the ticket back up (``resume``, ``execute``, ``assign``).
    """
    previous = _move(ticket, WAITING)
    _record(dbsession, ticket, actor, "status_changed", from_status=previous, to_status=WAITING)
    dbsession.flush()
    add_comment(dbsession, ticket, actor, question)
    return ticket


def waiting_from(dbsession: Session, ticket: Ticket) -> str:
    """The status a WAITING ticket came from, which ``resume`` returns it to."""
    previous = dbsession.scalar(
        select(TicketEvent.from_status)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.to_status == WAITING)
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return previous or ASSIGNED


def resume(dbsession: Session, ticket: Ticket, actor: User | None) -> Ticket:
    """Take a WAITING ticket back to the status it came from."""
    if ticket.status != WAITING:
        raise not_allowed("resume", ticket.status)
    back = waiting_from(dbsession, ticket)
    previous = _move(ticket, back)
    _record(dbsession, ticket, actor, "status_changed", from_status=previous, to_status=back)
    dbsession.flush()
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
    if ticket.status == WAITING and not internal and author.id == ticket.requester_id:
        resume(dbsession, ticket, author)  # the answer the ticket was waiting for
    else:
        dbsession.flush()
    return comment


def record_attachment(
    dbsession: Session, ticket: Ticket, actor: User, kind: str, attachment
) -> TicketEvent:
    """``attachment_added`` or ``attachment_removed``: which file, hidden from requesters
    when the file is internal (on an internal note)."""
    return _record(
        dbsession,
        ticket,
        actor,
        kind,
        internal=attachment.internal,
        data={
            "attachment_id": attachment.id,
            "comment_id": attachment.comment_id,
            "filename": attachment.filename,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "internal": attachment.internal,
        },
    )
