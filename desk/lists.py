"""Ticket lists as values: who sees which tickets, their filters, order and count.

A ``TicketList`` is built from a list's validated query string (or the admin's filters) and
says everything about the list; ``select()`` is its rows and ``count()`` the statement of its
count. The rows are Core rows (``LIST_COLUMNS``: the ticket's columns and its people's
usernames, one joined SELECT), which the API renders straight to JSON: a page needs values,
not ORM objects and their identity map.

The count is decided from the fields, never from a statement:

- only the scope, statuses and priorities set: the sum of a few ``ticket_counts`` rows, kept
  exact by the triggers of migration 0002;
- those and ``overdue=true``, ``due_before=`` a future time or a due ordering: the same sum
  less ``COUNT(*)`` of the few tickets the list leaves out (open tickets with nothing due
  yet, tickets without the due time), in one statement, so one snapshot; the indexes of
  migration 0009 find them, so the count of an overdue list costs the same at a million
  tickets as at ten thousand (a ``due_before=`` in the past leaves out most open tickets:
  its rows are counted instead);
- any other filter: ``COUNT(*)`` of the list's rows, which the indexes on the filtered columns
  (and the trigram indexes behind ``search``) serve;
- with ``search``: the same, but of at most ``exact_count_limit + 1`` rows, so a frequent term
  costs the same at a million tickets as at ten thousand; beyond the limit the list says
  ``count_exact: false`` and ``count`` is the limit.
"""

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
)

from . import workflow
from .models import CountScope, Priority, Ticket, TicketCount, User, utcnow
from .pagination import Ordering, Shaped
from .queries import TICKET_COLUMNS as T
from .queries import TICKET_ROW_COLUMNS as LIST_COLUMNS
from .queries import TICKET_ROW_FROM as LIST_FROM
from .queries import search_pattern, ticket_ordering, ticket_search

#: ``desk.search.exact_count_limit``'s default: Elasticsearch's ``track_total_hits`` default.
DEFAULT_EXACT_COUNT_LIMIT = 10_000

#: The lists a route reads, and the counter scope that counts each.
SCOPES = {"all": CountScope.ALL, "own": CountScope.REQUESTER, "assigned": CountScope.EXECUTOR}

#: Statuses in which a service-level target can still be missed (sorted: one statement shape).
OPEN_STATUSES = tuple(sorted(status.value for status in workflow.OPEN_STATUSES))
#: The orderings by a due time; a list in one of them leaves out tickets without that time
#: (keyset cursors cannot step over NULLs).
DUE_ORDERINGS = ("response_due_at", "resolution_due_at")

#: The fields that the list's statements bind (``TicketList.parameters``), and their types.
BOUND_TYPES = {
    "user": T.requester_id.type,
    "search": T.title.type,
    "executor_id": T.executor_id.type,
    "requester_id": T.requester_id.type,
    "created_after": T.created_at.type,
    "created_before": T.created_at.type,
    "as_of": T.response_due_at.type,
    "due_before": T.response_due_at.type,
}
#: The bound fields whose presence shapes the statements (``user`` is always there).
BOUND_FIELDS = ("executor_id", "requester_id", "created_after", "created_before", "due_before")


def no_target_due_before(moment, inclusive: bool = False):
    """Open tickets' complement of ``unmet_target_due_before(moment, inclusive)``; ``moment``
    is a time or a bound parameter of one. Written
    out rather than negated, so that its first term is a range of the open tickets'
    resolution index (migration 0009; ``status`` is in the caller's WHERE)."""
    after = (lambda due: due > moment) if inclusive else (lambda due: due >= moment)
    return and_(
        or_(Ticket.resolution_due_at.is_(None), after(Ticket.resolution_due_at)),
        or_(
            Ticket.first_response_at.is_not(None),
            Ticket.response_due_at.is_(None),
            after(Ticket.response_due_at),
        ),
    )


def unmet_target_due_before(moment, inclusive: bool = False):
    """Open tickets with a target not met whose due time is before ``moment`` (a time or a
    bound parameter of one); never NULL, so that its negation is the complement."""
    before = (lambda due: due <= moment) if inclusive else (lambda due: due < moment)
    response = and_(
        T.first_response_at.is_(None),
        T.response_due_at.is_not(None),
        before(T.response_due_at),
    )
    resolution = and_(T.resolution_due_at.is_not(None), before(T.resolution_due_at))
    return and_(T.status.in_(OPEN_STATUSES), or_(response, resolution))


@dataclass(frozen=True)
class TicketList:
    """One ticket list: ``scope`` (all, own or assigned to ``user``) narrowed by filters.

    ``user`` is the caller's id (0 for ``all``); ``None`` in a filter means "any".
    ``overdue`` is judged at ``as_of`` (a target breached and not met by then);
    ``due_before`` keeps open tickets with a target not met due before it.
    ``exact_count_limit`` caps a searched list's count (None: never capped).
    """

    scope: str
    user: int = 0
    statuses: tuple[str, ...] | None = None
    priorities: tuple[int, ...] | None = None
    search: str | None = None
    executor_id: int | None = None
    requester_id: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    overdue: bool | None = None
    as_of: datetime | None = None
    due_before: datetime | None = None
    ordering: str = "-created_at"
    exact_count_limit: int | None = DEFAULT_EXACT_COUNT_LIMIT

    @classmethod
    def from_query(
        cls,
        scope: str,
        user: User | Row,
        params: dict,
        exact_count_limit: int | None = DEFAULT_EXACT_COUNT_LIMIT,
    ) -> "TicketList":
        """The list a route shows ``user`` for the validated query string ``params``."""
        if scope not in SCOPES:
            raise ValueError(f"unknown ticket list scope {scope!r}")
        statuses = params.get("status")
        priorities = params.get("priority")
        return cls(
            scope=scope,
            user=0 if scope == "all" else user.id,
            statuses=tuple(sorted(set(statuses))) if statuses is not None else None,
            priorities=(
                tuple(sorted({Priority[name].value for name in priorities}))
                if priorities is not None
                else None
            ),
            search=params.get("search") or None,
            executor_id=params.get("executor_id"),
            requester_id=params.get("requester_id"),
            created_after=params.get("created_after"),
            created_before=params.get("created_before"),
            overdue=params.get("overdue"),
            as_of=utcnow() if "overdue" in params else None,
            due_before=params.get("due_before"),
            ordering=params.get("ordering") or "-created_at",
            exact_count_limit=exact_count_limit,
        )

    def _bound(self, name: str):
        """The field ``name`` as a bound parameter named after it: statements built once per
        shape (``shape()``) take each request's values from ``parameters``."""
        return bindparam(name, self.parameters[name], type_=BOUND_TYPES[name])

    def criteria(self) -> list:
        """The WHERE terms of the list, in a fixed order (statements cache per shape)."""
        terms = []
        if self.scope == "own":
            terms.append(T.requester_id == self._bound("user"))
        elif self.scope == "assigned":
            terms.append(T.executor_id == self._bound("user"))
        if self.statuses is not None:
            terms.append(T.status.in_(self.statuses))
        if self.priorities is not None:
            terms.append(T.priority.in_(self.priorities))
        if self.executor_id is not None:
            terms.append(T.executor_id == self._bound("executor_id"))
        if self.requester_id is not None:
            terms.append(T.requester_id == self._bound("requester_id"))
        if self.search:
            terms.append(ticket_search(self._bound("search")))
        if self.created_after is not None:
            terms.append(T.created_at >= self._bound("created_after"))
        if self.created_before is not None:
            terms.append(T.created_at < self._bound("created_before"))
        if self.overdue is not None:
            overdue = unmet_target_due_before(self._bound("as_of"), inclusive=True)
            terms.append(overdue if self.overdue else not_(overdue))
        if self.due_before is not None:
            terms.append(unmet_target_due_before(self._bound("due_before")))
        if self.due_ordering:
            terms.append(T[self.due_ordering].is_not(None))
        return terms

    @functools.cached_property
    def parameters(self) -> dict:
        """The values of the list's bound parameters (``as_of`` defaults to now), worked out
        once per list: its rows and its count see the same values."""
        return {
            "user": self.user,
            "search": search_pattern(self.search) if self.search else None,
            "executor_id": self.executor_id,
            "requester_id": self.requester_id,
            "created_after": self.created_after,
            "created_before": self.created_before,
            "as_of": self.as_of or utcnow() if self.overdue is not None else None,
            "due_before": self.due_before,
        }

    def shape(self) -> tuple:
        """What the list's statements are made of besides their bound values: two lists of
        one shape have the same statements, with other ``parameters``."""
        return (
            self.scope,
            self.statuses,
            self.priorities,
            self.ordering,
            self.overdue,
            bool(self.search),
            self.count_limit,
            self.counted_by_complement,
            *(getattr(self, name) is None for name in BOUND_FIELDS),
        )

    @property
    def due_ordering(self) -> str | None:
        """The due time the list is ordered by, if it is."""
        field = self.ordering.removeprefix("-")
        return field if field in DUE_ORDERINGS else None

    def select(self) -> Select:
        """The list's rows (``LIST_COLUMNS``), unordered (pages add ``order()``'s keys and
        their window)."""
        return select(*LIST_COLUMNS).select_from(LIST_FROM).where(*self.criteria())

    def order(self) -> Ordering:
        return ticket_ordering(self.ordering)

    def shaped(self) -> Shaped:
        """The list for ``desk.pagination.paginate``: its rows' and count's statements,
        built once per ``shape()``, and this list's values of their parameters."""
        return Shaped(
            key=("tickets", *self.shape()),
            build=lambda: (self.select(), self.count()),
            parameters=self.parameters,
        )

    @property
    def counted_by_counters(self) -> bool:
        """Whether ``ticket_counts`` holds this list's count: only scope, statuses and
        priorities are set."""
        narrowing = (
            "search",
            "executor_id",
            "requester_id",
            "created_after",
            "created_before",
            "overdue",
            "due_before",
            "due_ordering",
        )
        return all(getattr(self, name) is None for name in narrowing)

    @property
    def count_limit(self) -> int | None:
        """The most that ``count()`` counts (a searched list's), or None: always exact."""
        return self.exact_count_limit if self.search else None

    @property
    def counted_by_complement(self) -> bool:
        """Whether the count is the counters' less the tickets the list leaves out: the
        list narrows by ``overdue=true`` or a due ordering, otherwise by counted fields."""
        narrowing = ("search", "executor_id", "requester_id", "created_after", "created_before")
        due_soon = self.due_before is not None and self.due_before > (self.as_of or utcnow())
        return (
            all(getattr(self, name) is None for name in narrowing)
            and self.overdue is not False
            and (self.due_before is None or due_soon)
            and bool(self.overdue or due_soon or self.due_ordering)
        )

    def _complement_count(self) -> Select:
        statuses = self.statuses
        left_out = []
        if self.overdue or self.due_before is not None:
            # Only open tickets have a target due: the rest of the counted ones are left out.
            statuses = tuple(s for s in statuses or OPEN_STATUSES if s in OPEN_STATUSES)
        if self.overdue:
            left_out.append(no_target_due_before(self._bound("as_of"), inclusive=True))
        if self.due_before is not None:
            left_out.append(no_target_due_before(self._bound("due_before")))
        if self.due_ordering:
            left_out.append(getattr(Ticket, self.due_ordering).is_(None))
        counted = _counter_select(SCOPES[self.scope], self.user, statuses, self.priorities)
        narrowed = TicketList(self.scope, self.user, statuses, self.priorities).criteria()
        excluded = select(func.count()).select_from(Ticket).where(*narrowed, or_(*left_out))
        return select(counted.scalar_subquery() - excluded.scalar_subquery())

    def count(self) -> Select:
        """The SELECT of the list's count: exact, or at most ``count_limit + 1``."""
        if self.counted_by_counters:
            return _counter_select(SCOPES[self.scope], self.user, self.statuses, self.priorities)
        if self.counted_by_complement:
            return self._complement_count()
        rows = select(literal_column("1")).select_from(Ticket.__table__).where(*self.criteria())
        if self.count_limit is not None:
            # The limit is written into the SQL: one statement (and one plan) per limit.
            rows = rows.limit(literal_column(str(int(self.count_limit) + 1)))
            return select(func.count()).select_from(rows.subquery())
        return rows.with_only_columns(func.count())


@functools.lru_cache(maxsize=4096)
def _counter_select(
    scope: int, user_id: int, statuses: tuple | None, priorities: tuple | None
) -> Select:
    """The SELECT summing the counter rows of one list; built once per list and filter.
    The user's id is the bound parameter ``user``, as in ``TicketList.criteria()``."""
    user = bindparam("user", user_id, type_=BOUND_TYPES["user"])
    counted = select(cast(func.coalesce(func.sum(TicketCount.n), 0), BigInteger)).where(
        TicketCount.scope == scope, TicketCount.user_id == user
    )
    if statuses is not None:
        counted = counted.where(TicketCount.status.in_(statuses))
    if priorities is not None:
        counted = counted.where(TicketCount.priority.in_(priorities))
    return counted
