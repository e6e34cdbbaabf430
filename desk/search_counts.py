"""Registering frequent search terms, so that their lists' exact counts come from counters.

A searched list whose term is not registered counts its rows (``COUNT(*)``), exactly, at a
cost that grows with the term's matches. When such a count reaches ``min_matches``, the term
is registered here: from then on the triggers of migration 0003 keep its counts per list,
status and priority in ``search_counts`` (see ``desk.models.search_counts``), and its lists
read a few counter rows instead of every match.

Registration (PostgreSQL only) is one short transaction on a connection of its own, not the
request's:

1. ``SET LOCAL lock_timeout``: if writers hold the table for longer, give up quietly and try
   again later rather than queue every new writer behind the wait.
2. ``LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE``: waits for the writers in flight to
   commit (their deferred triggers ran without the term) and holds new ones until the commit
   (their triggers will see the term), so no write is missed or counted twice. Readers are not
   blocked. Unlike SHARE mode it also conflicts with itself, so that two processes registering
   at once take turns.
3. The term is looked up again; the oldest terms beyond ``max_terms`` are evicted with their
   counts; the term and its initial counts (one GROUP BY over the matching tickets) go in.

Writers must run at READ COMMITTED (Desk's level): their deferred trigger then reads the
terms in a snapshot taken at their commit, after any registration that held them back.

Every reader decides in its own snapshot whether a term is registered (``desk.queries``), so
the set of patterns kept here is only a hint that saves asking the database again; it expires,
because another process may evict a term. A failed registration never fails the request that
triggered it.

It runs inline, in the request whose count reached the threshold, after the count was
computed: no thread to start, watch and stop, nothing lost when the process exits, and the
work is bounded by the lock and statement timeouts. One request per term and process pays
for it, at about the cost of the ``COUNT(*)`` that it has just done.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

import psycopg
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

#: How long a registration waits for the writers in flight before giving up.
LOCK_TIMEOUT = "200ms"
#: The most it may hold writers back while it counts; a term that costs more is not kept.
STATEMENT_TIMEOUT = "5s"
#: Seconds before this process asks again about a term it found registered (another
#: process may evict it meanwhile), or tries again after a lock timeout or an error.
KNOWN_FOR = 300.0
RETRY_AFTER = 60.0
#: Seconds before trying again a term too costly to count within ``STATEMENT_TIMEOUT``.
TOO_COSTLY_FOR = 3600.0

DEFAULT_MIN_MATCHES = 2000
DEFAULT_MAX_TERMS = 64

IS_REGISTERED = "SELECT EXISTS (SELECT FROM search_terms WHERE pattern = %(pattern)s)"

EVICT = """
WITH evicted AS (
    DELETE FROM search_terms WHERE id IN (
        SELECT id FROM search_terms ORDER BY registered_at DESC, id DESC OFFSET %(keep)s
    )
    RETURNING id, pattern
), counts AS (
    DELETE FROM search_counts WHERE term_id IN (SELECT id FROM evicted)
)
SELECT pattern FROM evicted
"""

INSERT_TERM = (
    "INSERT INTO search_terms (pattern, registered_at) VALUES (%(pattern)s, now()) RETURNING id"
)

# The list query's predicate, exactly (desk.queries.ticket_search), and the three scopes of
# migration 0002's INITIAL_COUNTS.
INITIAL_COUNTS = """
WITH matching AS MATERIALIZED (
    SELECT status, priority, requester_id, executor_id FROM tickets
    WHERE title ILIKE %(pattern)s ESCAPE '\\' OR description ILIKE %(pattern)s ESCAPE '\\'
)
INSERT INTO search_counts (term_id, scope, user_id, status, priority, slot, n)
SELECT %(term_id)s, scope, user_id, status, priority, 0, count(*) FROM (
    SELECT 0 AS scope, 0 AS user_id, status, priority FROM matching
    UNION ALL
    SELECT 1, requester_id, status, priority FROM matching
    UNION ALL
    SELECT 2, executor_id, status, priority FROM matching WHERE executor_id IS NOT NULL
) AS cells
GROUP BY scope, user_id, status, priority
RETURNING scope, n
"""


@dataclass
class Registration:
    """What one attempt did, for the log and the tests."""

    pattern: str
    registered: bool = False
    #: The term's matching tickets when it was registered.
    matches: int = 0
    evicted: list[str] = field(default_factory=list)
    #: Milliseconds spent waiting for the lock, and holding writers back once it was taken.
    waited_ms: float = 0.0
    held_ms: float = 0.0


class SearchCounts:
    """Registers searched terms whose lists count at least ``min_matches`` tickets."""

    def __init__(self, engine: Engine, min_matches: int, max_terms: int):
        self.engine = engine
        self.min_matches = min_matches
        self.max_terms = max_terms
        #: pattern -> ``time.monotonic()`` before which this process does not try it again.
        self._quiet_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: dict, engine: Engine) -> "SearchCounts":
        max_terms = int(settings.get("desk.search_counts.max_terms", DEFAULT_MAX_TERMS))
        isolation = settings.get("sqlalchemy.isolation_level", "READ COMMITTED").upper()
        if isolation != "READ COMMITTED" and max_terms:
            # A writer whose snapshot predates a registration would not see the new term
            # when its trigger runs at the commit, and its ticket would go uncounted.
            log.warning("search terms are not registered at isolation level %s", isolation)
            max_terms = 0
        return cls(
            engine,
            min_matches=int(settings.get("desk.search_counts.min_matches", DEFAULT_MIN_MATCHES)),
            max_terms=max_terms,
        )

    @property
    def enabled(self) -> bool:
        return self.max_terms > 0 and self.engine.dialect.name == "postgresql"

    def after_search(self, pattern: str, count: int) -> Registration | None:
        """Register ``pattern`` if its list counted ``count`` >= ``min_matches`` tickets and
        this process has not just done so or tried. Never raises."""
        if not self.enabled or count < self.min_matches or not self._claim(pattern):
            return None
        try:
            outcome = self.register(pattern)
        except psycopg.errors.LockNotAvailable:
            log.info("search term %r not registered: writers held the lock; later", pattern)
            self._quiet(pattern, RETRY_AFTER)
            return None
        except psycopg.errors.QueryCanceled:
            log.warning("search term %r not registered: counting it took too long", pattern)
            self._quiet(pattern, TOO_COSTLY_FOR)
            return None
        except Exception:
            log.warning("search term %r not registered", pattern, exc_info=True)
            self._quiet(pattern, RETRY_AFTER)
            return None
        self._quiet(pattern, KNOWN_FOR)
        with self._lock:
            for evicted in outcome.evicted:
                self._quiet_until.pop(evicted, None)
        return outcome

    def _claim(self, pattern: str) -> bool:
        """True for one caller at a time, and not while the pattern is quiet."""
        now = time.monotonic()
        with self._lock:
            if self._quiet_until.get(pattern, 0.0) > now:
                return False
            if len(self._quiet_until) > 4 * max(self.max_terms, 256):
                self._quiet_until = {p: t for p, t in self._quiet_until.items() if t > now}
            self._quiet_until[pattern] = now + RETRY_AFTER  # while this caller tries
            return True

    def _quiet(self, pattern: str, seconds: float) -> None:
        with self._lock:
            self._quiet_until[pattern] = time.monotonic() + seconds

    def register(self, pattern: str) -> Registration:
        """Register ``pattern`` with its initial counts, unless it already is (see the module
        docs). Raises the database's errors, ``LockNotAvailable`` after ``LOCK_TIMEOUT``."""
        outcome = Registration(pattern)
        with self.engine.connect() as connection:
            # psycopg's own connection: its transaction() is BEGIN ... COMMIT whether the
            # pool's connections are in autocommit mode (the application's) or not.
            driver = connection.connection.driver_connection
            with driver.transaction():
                if driver.execute(IS_REGISTERED, {"pattern": pattern}).fetchone()[0]:
                    return outcome
            with driver.transaction():
                driver.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                driver.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
                asked = time.monotonic()
                driver.execute("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
                locked = time.monotonic()
                outcome.waited_ms = (locked - asked) * 1000
                if driver.execute(IS_REGISTERED, {"pattern": pattern}).fetchone()[0]:
                    return outcome
                keep = self.max_terms - 1
                outcome.evicted = [row[0] for row in driver.execute(EVICT, {"keep": keep})]
                (term_id,) = driver.execute(INSERT_TERM, {"pattern": pattern}).fetchone()
                cells = driver.execute(
                    INITIAL_COUNTS, {"pattern": pattern, "term_id": term_id}
                ).fetchall()
            outcome.held_ms = (time.monotonic() - locked) * 1000
        outcome.registered = True
        outcome.matches = sum(n for scope, n in cells if scope == 0)
        log.info(
            "search term %r registered: %d matching tickets, %d term(s) evicted %r;"
            " waited %.1f ms for writers, held them %.1f ms",
            pattern,
            outcome.matches,
            len(outcome.evicted),
            outcome.evicted,
            outcome.waited_ms,
            outcome.held_ms,
        )
        return outcome


def includeme(config) -> None:
    """``registry["search_counts"]``, from ``desk.search_counts.*`` settings."""
    config.registry["search_counts"] = SearchCounts.from_settings(
        config.get_settings(), config.registry["db_engine"]
    )
