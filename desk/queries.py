"""The queries behind every list: who sees which rows, filters, sort orders and counts."""

import functools

from sqlalchemy import BigInteger, Select, and_, case, cast, func, not_, or_, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, Grouping

from . import pagination
from .models import (
    Comment,
    CountScope,
    Priority,
    SearchCount,
    SearchTerm,
    Ticket,
    TicketCount,
    TicketEvent,
    TicketStatus,
    User,
    utcnow,
)
from .pagination import Ordering

COMMENTS_OLDEST_FIRST = Ordering("id", (Comment.id,), descending=False)
EVENTS_OLDEST_FIRST = Ordering("id", (TicketEvent.id,), descending=False)

#: The ticket columns that ``search`` looks in, in the order of ``ticket_search``'s clauses.
SEARCHED_COLUMNS = ("title", "description")

TICKET_SORT_KEYS = {
    "created_at": (Ticket.created_at, Ticket.id),
    "updated_at": (Ticket.updated_at, Ticket.id),
    "priority": (Ticket.priority, Ticket.id),
    "id": (Ticket.id,),
    # Service levels: a list ordered by a due time holds the tickets that have one.
    "response_due_at": (Ticket.response_due_at, Ticket.id),
    "resolution_due_at": (Ticket.resolution_due_at, Ticket.id),
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


def ticket_search(text: str):
    """The ``search`` filter of ticket lists: ``text`` in the title or the description.

    Built only here, so that ``search_criterion`` recognises it in a list's query and the
    count can come from ``search_counts``.
    """
    return or_(*(contains(getattr(Ticket, column), text) for column in SEARCHED_COLUMNS))


def search_criterion(term) -> str | None:
    """The pattern of ``term`` if it is a ``ticket_search`` criterion, else None."""
    if isinstance(term, Grouping):  # the parentheses it gets inside an AND
        term = term.element
    if not isinstance(term, BooleanClauseList) or term.operator is not operators.or_:
        return None
    clauses = list(term.clauses)
    if len(clauses) != len(SEARCHED_COLUMNS):
        return None
    patterns = set()
    for clause, column in zip(clauses, SEARCHED_COLUMNS, strict=True):
        if (
            not isinstance(clause, BinaryExpression)
            or clause.operator is not operators.ilike_op
            or getattr(clause.left, "table", None) is not Ticket.__table__
            or clause.left.name != column
            or clause.modifiers.get("escape") != ESCAPE
            or not isinstance(clause.right, BindParameter)
            or clause.right.callable is not None
            or not isinstance(clause.right.value, str)
        ):
            return None
        patterns.add(clause.right.value)
    return patterns.pop() if len(patterns) == 1 else None


def ticket_list_query(user: User, scope: str, params: dict) -> Select:
    """Tickets in ``scope`` (own, assigned or all) narrowed by the list's filters."""
    query = select(Ticket)
    if scope == "own":
        query = query.where(Ticket.requester_id == user.id)
    elif scope == "assigned":
        query = query.where(Ticket.executor_id == user.id)
    if "status" in params:
        query = query.where(Ticket.status.in_(params["status"]))
    if "priority" in params:
        query = query.where(Ticket.priority.in_([Priority[p].value for p in params["priority"]]))
    if "executor_id" in params:
        query = query.where(Ticket.executor_id == params["executor_id"])
    if "requester_id" in params:
        query = query.where(Ticket.requester_id == params["requester_id"])
    if params.get("search"):
        query = query.where(ticket_search(params["search"]))
    if "created_after" in params:
        query = query.where(Ticket.created_at >= params["created_after"])
    if "created_before" in params:
        query = query.where(Ticket.created_at < params["created_before"])
    return sla_list_filters(query, params)


# --- service-level filters and orderings (desk.sla) -------------------------------------

#: Statuses in which a target can still be missed.
OPEN_STATUSES = (
    TicketStatus.NEW.value,
    TicketStatus.ASSIGNED.value,
    TicketStatus.IN_PROGRESS.value,
    TicketStatus.WAITING.value,
)


def unmet_target_due_before(moment, inclusive: bool = False):
    """Open tickets with a target not met whose due time is before ``moment``; never NULL,
    so that its negation is the complement."""
    before = (lambda due: due <= moment) if inclusive else (lambda due: due < moment)
    response = and_(
        Ticket.first_response_at.is_(None),
        Ticket.response_due_at.is_not(None),
        before(Ticket.response_due_at),
    )
    resolution = and_(Ticket.resolution_due_at.is_not(None), before(Ticket.resolution_due_at))
    return and_(Ticket.status.in_(OPEN_STATUSES), or_(response, resolution))


def sla_list_filters(query: Select, params: dict, now=None) -> Select:
    """``overdue``, ``due_before`` and the due-time orderings of every ticket list."""
    if "overdue" in params:
        overdue = unmet_target_due_before(now or utcnow(), inclusive=True)
        query = query.where(overdue if params["overdue"] else not_(overdue))
    if "due_before" in params:
        query = query.where(unmet_target_due_before(params["due_before"]))
    field = (params.get("ordering") or "").removeprefix("-")
    if field in ("response_due_at", "resolution_due_at"):
        query = query.where(getattr(Ticket, field).is_not(None))
    return query


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


# --- exact counts from the counter table -----------------------------------------------------

#: The ticket columns that ``ticket_counts`` is keyed by.
COUNTED_COLUMNS = frozenset({"requester_id", "executor_id", "status", "priority"})


def _criteria(clause) -> list:
    """The terms of a WHERE clause that is a conjunction (``a AND b AND ...``)."""
    if clause is None:
        return []
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return [term for inner in clause.clauses for term in _criteria(inner)]
    return [clause]


def _allowed_values(query: Select) -> tuple[dict[str, set], str | None] | None:
    """``({column: values}, pattern)`` when every criterion of ``query`` is ``column = value``
    or ``column IN (values)`` on a counted ticket column, except at most one ``ticket_search``
    (its pattern, else None); None for anything else."""
    allowed: dict[str, set] = {}
    pattern = None
    for term in _criteria(query.whereclause):
        searched = search_criterion(term)
        if searched is not None and pattern is None:
            pattern = searched
            continue
        if not isinstance(term, BinaryExpression) or term.operator not in (
            operators.eq,
            operators.in_op,
        ):
            return None
        column, value = term.left, term.right
        if getattr(column, "table", None) is not Ticket.__table__:
            return None
        if column.name not in COUNTED_COLUMNS or not isinstance(value, BindParameter):
            return None
        if value.callable is not None or value.value is None:
            return None
        values = set(value.value) if term.operator is operators.in_op else {value.value}
        allowed[column.name] = allowed[column.name] & values if column.name in allowed else values
    return allowed, pattern


def ticket_count_query(query: Select) -> Select | None:
    """The exact count of a ticket list from the counter tables, or None if it cannot say.

    It can when the list is tickets narrowed only by equalities on the counters' keys:
    everyone's tickets, one requester's, or one executor's, each by any statuses and
    priorities, and optionally by one ``search``. A date range, or both a requester and an
    executor, fall back to counting rows. A search is counted from ``search_counts`` when
    its term is registered, and by counting rows otherwise (see ``_searched_count``).
    """
    entities = [column["entity"] for column in query.column_descriptions]
    joined = query._setup_joins or query._from_obj
    if entities != [Ticket] or joined or not pagination.is_plain(query):
        return None
    criteria = _allowed_values(query)
    if criteria is None:
        return None
    allowed, pattern = criteria
    requesters, executors = allowed.get("requester_id"), allowed.get("executor_id")
    if requesters is not None and executors is not None:
        return None
    if requesters is not None or executors is not None:
        users = requesters if requesters is not None else executors
        if len(users) != 1:
            return None
        scope = CountScope.REQUESTER if requesters is not None else CountScope.EXECUTOR
        (user_id,) = users
    else:
        scope, user_id = CountScope.ALL, 0

    def values(name: str) -> tuple | None:
        return tuple(sorted(allowed[name])) if name in allowed else None

    if pattern is not None:
        return _searched_count(query, pattern, scope, user_id, values("status"), values("priority"))
    try:
        return _counter_select(scope, user_id, values("status"), values("priority"))
    except TypeError:  # an unhashable value: build it afresh
        return _counter_select.__wrapped__(scope, user_id, values("status"), values("priority"))


def _searched_count(
    query: Select,
    pattern: str,
    scope: int,
    user_id: int,
    statuses: tuple | None,
    priorities: tuple | None,
) -> Select:
    """The exact count of a searched list, in one statement and one snapshot.

    ``CASE WHEN <the term is registered> THEN <the sum of its counter rows> ELSE <COUNT(*)
    of the list> END``: a term is registered together with its complete counts, and evicted
    together with them, so whichever branch the snapshot takes is exact. PostgreSQL runs
    the two subqueries as init plans, each only if its branch is taken. Whether a term is
    registered is always asked of the database, never of a cache in this process: another
    process may have registered or evicted it.
    """
    kept = (
        select(cast(func.coalesce(func.sum(SearchCount.n), 0), BigInteger))
        .join_from(SearchCount, SearchTerm, SearchTerm.id == SearchCount.term_id)
        .where(
            SearchTerm.pattern == pattern,
            SearchCount.scope == scope,
            SearchCount.user_id == user_id,
        )
    )
    if statuses is not None:
        kept = kept.where(SearchCount.status.in_(statuses))
    if priorities is not None:
        kept = kept.where(SearchCount.priority.in_(priorities))
    rows = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    registered = select(SearchTerm.id).where(SearchTerm.pattern == pattern).exists()
    return select(
        case(
            (registered.correlate(None), kept.scalar_subquery().correlate(None)),
            else_=cast(rows.scalar_subquery().correlate(None), BigInteger),
        )
    )


@functools.lru_cache(maxsize=4096)
def _counter_select(
    scope: int, user_id: int, statuses: tuple | None, priorities: tuple | None
) -> Select:
    """The SELECT summing the counter rows of one list; built once per list and filter."""
    counted = select(cast(func.coalesce(func.sum(TicketCount.n), 0), BigInteger)).where(
        TicketCount.scope == scope, TicketCount.user_id == user_id
    )
    if statuses is not None:
        counted = counted.where(TicketCount.status.in_(statuses))
    if priorities is not None:
        counted = counted.where(TicketCount.priority.in_(priorities))
    return counted


pagination.COUNTERS.append(ticket_count_query)
