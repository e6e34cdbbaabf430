"""The queries behind the lists: filters and sort orders (ticket lists: ``desk.lists``)."""

from sqlalchemy import BindParameter, Select, bindparam, or_, select

from .models import Comment, Ticket, TicketEvent, User
from .pagination import Ordering

COMMENTS_OLDEST_FIRST = Ordering("id", (Comment.id,), descending=False)
EVENTS_OLDEST_FIRST = Ordering("id", (TicketEvent.id,), descending=False)

#: The ticket columns that ``search`` looks in.
SEARCHED_COLUMNS = ("title", "description")

#: The ``tickets`` table's columns. Ticket lists are Core statements (``desk.lists``): their
#: filters and sort keys name the table's columns, which ORM queries accept as well.
TICKET_COLUMNS = Ticket.__table__.c

_REQUESTERS = User.__table__.alias("requester")
_EXECUTORS = User.__table__.alias("executor")
#: A ticket as a Core row (lists, and a ticket read by a request that writes nothing): every
#: column of the ticket, and its requester's and executor's usernames, one joined SELECT.
TICKET_ROW_COLUMNS = (
    *Ticket.__table__.c,
    _REQUESTERS.c.username.label("requester_username"),
    _EXECUTORS.c.username.label("executor_username"),
)
TICKET_ROW_FROM = Ticket.__table__.join(
    _REQUESTERS, _REQUESTERS.c.id == TICKET_COLUMNS.requester_id
).outerjoin(_EXECUTORS, _EXECUTORS.c.id == TICKET_COLUMNS.executor_id)
#: One ticket's row by its id (the bound parameter ``id``); built once, so that SQLAlchemy
#: generates its cache key once.
TICKET_ROW = (
    select(*TICKET_ROW_COLUMNS)
    .select_from(TICKET_ROW_FROM)
    .where(TICKET_COLUMNS.id == bindparam("id", type_=TICKET_COLUMNS.id.type))
)

TICKET_SORT_KEYS = {
    "created_at": (TICKET_COLUMNS.created_at, TICKET_COLUMNS.id),
    "updated_at": (TICKET_COLUMNS.updated_at, TICKET_COLUMNS.id),
    "priority": (TICKET_COLUMNS.priority, TICKET_COLUMNS.id),
    "id": (TICKET_COLUMNS.id,),
    # Service levels: a list ordered by a due time holds the tickets that have one.
    "response_due_at": (TICKET_COLUMNS.response_due_at, TICKET_COLUMNS.id),
    "resolution_due_at": (TICKET_COLUMNS.resolution_due_at, TICKET_COLUMNS.id),
}
USER_SORT_KEYS = {
    "username": (User.username_key, User.id),
    "date_joined": (User.date_joined, User.id),
}


def _ordering(name: str, keys: dict) -> Ordering:
    field = name.removeprefix("-")
    return Ordering(name, keys[field], descending=name.startswith("-"))


def ticket_ordering(name: str | None) -> Ordering:
    return _ordering(name or "-created_at", TICKET_SORT_KEYS)


def user_ordering(name: str | None) -> Ordering:
    return _ordering(name or "username", USER_SORT_KEYS)


#: The escape character of every ``contains`` pattern.
ESCAPE = "\\"


def search_pattern(text: str) -> str:
    """The ILIKE pattern of a substring search for ``text``, its wildcards taken literally."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def contains(column, text: str):
    """Case-insensitive substring match, with LIKE's wildcards taken literally."""
    return column.ilike(search_pattern(text), escape=ESCAPE)


def ticket_search(text: str | BindParameter):
    """The ``search`` filter of ticket lists: ``text`` in the title or the description
    (PostgreSQL's trigram indexes serve it). ``text`` may be a bound parameter of its
    ``search_pattern``."""
    pattern = search_pattern(text) if isinstance(text, str) else text
    return or_(
        *(TICKET_COLUMNS[column].ilike(pattern, escape=ESCAPE) for column in SEARCHED_COLUMNS)
    )


def comment_query(ticket: Ticket, include_internal: bool) -> Select:
    query = select(Comment).where(Comment.ticket_id == ticket.id)
    if not include_internal:
        query = query.where(Comment.internal.is_(False))
    return query


def event_query(
    *, ticket_id: int | None = None, include_internal: bool = True, params: dict | None = None
) -> Select:
    """History events, of one ticket or all, narrowed by the feed's filters."""
    params = params or {}
    query = select(TicketEvent)
    ticket_id = ticket_id if ticket_id is not None else params.get("ticket_id")
    if ticket_id is not None:
        query = query.where(TicketEvent.ticket_id == ticket_id)
    if not include_internal:
        query = query.where(TicketEvent.internal.is_(False))
    if "actor_id" in params:
        query = query.where(TicketEvent.actor_id == params["actor_id"])
    if "kind" in params:
        query = query.where(TicketEvent.kind.in_(params["kind"]))
    if "since" in params:
        query = query.where(TicketEvent.created_at >= params["since"])
    if "until" in params:
        query = query.where(TicketEvent.created_at < params["until"])
    return query


def user_query(params: dict) -> Select:
    query = select(User)
    if "role" in params:
        query = query.where(User.role.in_(params["role"]))
    if "is_active" in params:
        query = query.where(User.is_active.is_(params["is_active"]))
    if params.get("search"):
        term = params["search"]
        query = query.where(
            or_(
                *(
                    contains(column, term)
                    for column in (User.username, User.email, User.first_name, User.last_name)
                )
            )
        )
    return query
