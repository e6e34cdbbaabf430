"""Server time of every admin list page, in-process through the whole WSGI app (issue 14).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB DESK_JWT_SECRET=... \\
        .venv/bin/python bench/admin_lists.py [--requests 15] [--fill] [--only NAME,...]

The database must hold ``desk-seed`` data (``desk-seed production.ini --tickets 1000000``).
The benchmark makes the superuser ``benchadmin`` if it is missing (``desk-createsuperuser``),
logs in through the admin's login form, and gets each page ``--requests`` times after one
warm-up (prepared statements, plans); the figure is the median wall time of the WSGI call,
which is the server's time: routing, the database's answers, rendering, the tweens; beside
it the median process CPU time (Desk's Python, without PostgreSQL's share).
``--fill`` first adds what the seed leaves empty, once: a webhook, 100,000 deliveries and
100,000 attachment rows (metadata only, spread over the tickets). Pages: the dashboard and
charts, the tickets with common filters and every sort in both directions, a deep page,
users, events, attachments and deliveries. Prints a Markdown table; exits 1 when a page
answers other than 200.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pyramid.paster import get_app, setup_logging
from sqlalchemy import create_engine, text
from webtest import TestApp

ROOT = Path(__file__).resolve().parent.parent
INI = ROOT / "production.ini"
USERNAME, PASSWORD = "benchadmin", "bench-admin-password-14"
TARGET_MS = 50

TICKET_SORTS = (
    "id",
    "title",
    "status",
    "priority",
    "requester",
    "executor",
    "response_due_at",
    "resolution_due_at",
    "created_at",
    "updated_at",
)
USER_SORTS = ("username", "email", "role", "is_active", "is_superuser", "date_joined")
EVENT_SORTS = ("id", "created_at", "ticket", "actor", "kind")

FILL = """
INSERT INTO webhooks (url, description, event_kinds, active, include_internal, secret,
                      created_at, updated_at)
SELECT 'https://hooks.example.com/desk', 'bench', '["created"]', true, false,
       'whsec_YmVuY2g=', now(), now()
WHERE NOT EXISTS (SELECT FROM webhooks);
INSERT INTO deliveries (channel, message_id, event_id, webhook_id, payload, status, attempts,
                        next_attempt_at, give_up_at, last_error, created_at)
SELECT 'webhook', 'msg_bench_' || g, NULL, (SELECT min(id) FROM webhooks), '{}',
       (ARRAY['succeeded', 'succeeded', 'succeeded', 'pending', 'failed'])[g % 5 + 1],
       1, now(), now() + interval '1 day', '', now() - g * interval '1 second'
FROM generate_series(1, 100000) AS g
WHERE NOT EXISTS (SELECT FROM deliveries);
INSERT INTO attachments (ticket_id, uploader_id, filename, content_type, size, sha256,
                         internal, created_at)
SELECT t.id, t.requester_id, 'screenshot-' || t.id || '.png', 'image/png', 1000 + t.id % 5000,
       md5(t.id::text) || md5(t.id::text), t.id % 7 = 0, t.created_at
FROM tickets AS t
WHERE t.id % 10 = 3 AND NOT EXISTS (SELECT FROM attachments);
ANALYZE webhooks; ANALYZE deliveries; ANALYZE attachments;
"""


def fill(url: str) -> None:
    """The rows the seed does not make (see the module docs), unless some are there."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in FILL.split(";"):
            if statement.strip():
                connection.execute(text(statement))
    engine.dispose()


def ensure_superuser() -> None:
    """``benchadmin``, made with desk-createsuperuser unless it exists (then it says so)."""
    command = [
        str(ROOT / ".venv/bin/desk-createsuperuser"),
        str(INI),
        "--username",
        USERNAME,
        "--password-stdin",
    ]
    subprocess.run(command, input=PASSWORD + "\n", text=True, capture_output=True, check=False)


def log_in(app: TestApp) -> None:
    form = app.get("/admin/login/").forms["login-form"]
    form["username"], form["password"] = USERNAME, PASSWORD
    form.submit(status=303, headers={"Origin": "https://localhost"})


def ids(url: str) -> dict:
    """Ids the filters name: an executor, a requester, a ticket, a webhook."""
    engine = create_engine(url)
    with engine.connect() as connection:
        first = {
            name: connection.scalar(text(f"SELECT min(id) FROM users WHERE username = '{name}'"))
            for name in ("executor3", "requester2", "operator1")
        }
        first["ticket"] = connection.scalar(text("SELECT max(id) - 500 FROM tickets"))
        first["webhook"] = connection.scalar(text("SELECT min(id) FROM webhooks"))
    engine.dispose()
    return first


def pages(known: dict) -> dict[str, str]:
    """Each measured page: a short name and its path."""
    table = {"dashboard": "/admin/", "charts": "/admin/charts/"}
    table["tickets"] = "/admin/tickets/"
    for key in TICKET_SORTS:
        table[f"tickets o={key}"] = f"/admin/tickets/?o={key}"
        table[f"tickets o=-{key}"] = f"/admin/tickets/?o=-{key}"
    executor, requester = known["executor3"], known["requester2"]
    table |= {
        "tickets status=IN_PROGRESS": "/admin/tickets/?status=IN_PROGRESS",
        "tickets priority=HIGH": "/admin/tickets/?priority=HIGH",
        "tickets executor": f"/admin/tickets/?executor_id={executor}",
        "tickets requester": f"/admin/tickets/?requester_id={requester}",
        "tickets executor+status": f"/admin/tickets/?executor_id={executor}&status=DONE",
        "tickets status=NEW o=-updated_at": "/admin/tickets/?status=NEW&o=-updated_at",
        "tickets executor o=title": f"/admin/tickets/?executor_id={executor}&o=title",
        "tickets overdue=true": "/admin/tickets/?overdue=true",
        "tickets overdue=false": "/admin/tickets/?overdue=false",
        "tickets q=printer": "/admin/tickets/?q=printer",
        "tickets created 30 days": "/admin/tickets/?created_from=2025-06-01&created_to=2025-06-30",
        "tickets page 400": "/admin/tickets/?page=400",
        "tickets last page": "/admin/tickets/?page=999999",
    }
    table["users"] = "/admin/users/"
    for key in USER_SORTS:
        table[f"users o=-{key}"] = f"/admin/users/?o=-{key}"
    table["events"] = "/admin/events/"
    for key in EVENT_SORTS:
        table[f"events o={key}"] = f"/admin/events/?o={key}"
    table |= {
        "events kind=assigned": "/admin/events/?kind=assigned",
        "events actor": f"/admin/events/?actor_id={known['operator1']}",
        "events ticket": f"/admin/events/?ticket_id={known['ticket']}",
        "events one day": "/admin/events/?created_from=2025-06-01&created_to=2025-06-01",
        "attachments": "/admin/attachments/",
        "attachments ticket": f"/admin/attachments/?ticket_id={known['ticket'] + 3}",
        "deliveries": "/admin/deliveries/",
        "deliveries status=failed": "/admin/deliveries/?status=failed",
        "deliveries webhook+status": (
            f"/admin/deliveries/?webhook_id={known['webhook']}&status=pending"
        ),
    }
    return table


def median_ms(app: TestApp, path: str, requests: int) -> tuple[float, float, int]:
    """The median wall and process CPU times of ``requests`` GETs of ``path`` after one
    warm-up, and the status of the last."""
    app.get(path, expect_errors=True)
    wall, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = app.get(path, expect_errors=True)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu), response.status_int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--fill", action="store_true", help="add deliveries and attachments")
    parser.add_argument("--only", default="", help="comma-separated substrings of page names")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    setup_logging(str(INI))
    if args.fill:
        fill(url)
    ensure_superuser()
    # The admin's cookie is Secure in production.ini: the requests come over "https".
    app = TestApp(
        get_app(str(INI)),
        extra_environ={
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "https",
            "HTTP_HOST": "localhost",
        },
    )
    log_in(app)
    table = pages(ids(url))
    wanted = [name for name in args.only.split(",") if name]
    failed = False
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    head = f"median ms (of {args.requests}) | of it Python CPU ms | status | under {TARGET_MS} ms"
    print(f"| page | {head} |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, path in table.items():
        if wanted and not any(part in name for part in wanted):
            continue
        median, cpu, status = median_ms(app, path, args.requests)
        failed |= status != 200
        verdict = "yes" if median < TARGET_MS else "**no**"
        print(f"| {name} | {median:.1f} | {cpu:.1f} | {status} | {verdict} |", flush=True)
    print()
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
