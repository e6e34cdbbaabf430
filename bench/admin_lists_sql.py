"""The database's part of the three pages migration 0011 is for, before and after (issue 14).

    .venv/bin/python bench/admin_lists_sql.py postgresql://postgres@127.0.0.1:5432/DB

The database must be a ``desk-seed`` one migrated to 0011. Each statement is run 9 times,
the old and the new form taking turns, under ``EXPLAIN (ANALYZE, BUFFERS)``; the figure is the
median server-side execution time. "Before" is the statement of 0010's code with 0011's two
indexes dropped inside a transaction that is rolled back; "after" is the statement of the
code now. Prints a Markdown table.
"""

import os
import statistics
import sys

import psycopg

SINCE = "date_trunc('day', now() AT TIME ZONE 'UTC') - interval '29 days'"
SINCE_AT = f"({SINCE}) AT TIME ZONE 'UTC'"
MEDIAN = (
    "SELECT priority, percentile_cont(0.5) WITHIN GROUP (ORDER BY {seconds}), count(*)"
    f" FROM tickets WHERE created_at >= {SINCE_AT} AND status = 'DONE' GROUP BY priority"
)
ACTOR_PAGE = (
    "SELECT e.*, u.* FROM ticket_events e LEFT JOIN users u ON u.id = e.actor_id"
    " WHERE e.actor_id = {actor} ORDER BY e.created_at DESC, e.id DESC LIMIT 25"
)
ACTOR_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM ticket_events WHERE actor_id = {actor} LIMIT 10001) a"
)
SEARCHED = "{column} ILIKE '%printer%'"
PAIRS = {
    "charts: opened per day": (
        "SELECT date_trunc('day', timezone('UTC', created_at)), count(*) FROM tickets"
        f" WHERE created_at >= {SINCE_AT} GROUP BY 1",
        None,
    ),
    "charts: closed per day": (
        "SELECT date_trunc('day', timezone('UTC', created_at)), count(*) FROM ticket_events"
        f" WHERE created_at >= {SINCE_AT} AND to_status IN ('DONE', 'CANCELLED') GROUP BY 1",
        None,
    ),
    "charts: both per day from ticket_day_counts": (
        None,
        "SELECT kind, day, sum(n) FROM ticket_day_counts"
        f" WHERE day >= ({SINCE})::date GROUP BY kind, day",
    ),
    "charts: median per priority": (
        MEDIAN.format(seconds="extract(epoch FROM completed_at - created_at)"),
        MEDIAN.format(seconds="date_part('epoch', completed_at - created_at)"),
    ),
    "tickets q=printer: count": (
        "SELECT count(*) FROM (SELECT 1 FROM tickets WHERE"
        f" {SEARCHED.format(column='title')} OR {SEARCHED.format(column='description')}"
        " LIMIT 1001) a",
        "SELECT count(*) FROM (SELECT id FROM ("
        f"SELECT id FROM (SELECT id FROM tickets WHERE {SEARCHED.format(column='title')}"
        " LIMIT 1001) a UNION SELECT id FROM (SELECT id FROM tickets WHERE"
        f" {SEARCHED.format(column='description')} LIMIT 1001) b) u LIMIT 1001) c",
    ),
    "events actor: page": (ACTOR_PAGE, ACTOR_PAGE),
    "events actor: count": (ACTOR_COUNT, ACTOR_COUNT),
}
#: Before: without 0011's indexes (dropped in a transaction that is rolled back).
OLD_SETUP = (
    "DROP INDEX ix_tickets_done_created_at",
    "DROP INDEX ix_ticket_events_actor_id_created_at_id",
)


def run(connection, sql: str, setup) -> float:
    """The server-side execution time of ``sql``, in ms."""
    with connection.transaction(force_rollback=True):
        for statement in setup:
            connection.execute(statement)
        plan = connection.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql).fetchone()
    return plan[0][0]["Execution Time"]


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}" if values else "—"


def main() -> None:
    connection = psycopg.connect(sys.argv[1], autocommit=True)
    actor = connection.execute("SELECT min(id) FROM users WHERE username = 'operator1'")
    actor = actor.fetchone()[0]
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print("| statement | before (0010) ms | after (0011) ms |\n| --- | ---: | ---: |")
    for name, (old, new) in PAIRS.items():
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(9):
            for key, sql, setup in (("old", old, OLD_SETUP), ("new", new, ())):
                if sql:
                    times[key].append(run(connection, sql.format(actor=actor), setup))
        print(f"| {name} | {median(times['old'])} | {median(times['new'])} |", flush=True)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
