"""Service levels at scale: overdue and due-ordered lists, the breach scan and the SLA report,
on two ``desk-seed`` databases (say 10,000 and 1,000,000 tickets), paired and alternating.

    .venv/bin/python bench/sla.py SMALL_DB LARGE_DB [--rounds 7] [--requests 20]

Both databases must be migrated and seeded (``desk-seed production.ini --tickets N``, then
``VACUUM ANALYZE`` so that index-only scans see a visibility map, as autovacuum would leave
it). Each route is called in-process through the whole WSGI app of ``production.ini``
(tweens, security, pyramid_tm; WebTest, no HTTP), ``--requests`` times per round, the two
databases taking turns route by route, so that the machine's noise hits both alike. The
figure is the median over the rounds of the wall time per request; the ratio is the large
database's over the small one's (flat: about 1). The breach scan is one call of
``desk.sla.breaches.record_breaches`` (the workers' job), rolled back, after one run that
records (and commits) what fell due since the seed. Prints a Markdown table.
"""

import argparse
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from pyramid.paster import get_app, setup_logging
from sqlalchemy import text
from webtest import TestApp

from desk.models import utcnow
from desk.sla.breaches import record_breaches

INI = Path(__file__).resolve().parent.parent / "production.ini"
PASSWORD = "desk-demo-password"
SECRET = "bench-sla-secret-0123456789abcdef0123456789"


class Desk:
    """The app of ``production.ini`` on one database, with the seed's users logged in."""

    def __init__(self, database: str):
        os.environ["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
        os.environ.setdefault("DESK_JWT_SECRET", SECRET)
        self.wsgi = get_app(str(INI))
        self.app = TestApp(self.wsgi, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        self.headers = {name: self.login(name) for name in ("operator1", "requester1", "executor1")}
        with self.wsgi.registry["dbsession_factory"]() as session:
            self.tickets = session.execute(text("SELECT count(*) FROM tickets")).scalar_one()

    def catch_up(self) -> None:
        """Record what fell due since the seed, as the workers would have: the measured
        scans then see the steady state of a job that runs every minute."""
        registry = self.wsgi.registry
        with registry["dbsession_factory"]() as session:
            while record_breaches(session, registry.settings, utcnow()):
                session.commit()
            session.commit()

    def login(self, username: str) -> dict:
        body = {"username": username, "password": PASSWORD}
        token = self.app.post_json("/api/auth/login/", body).json["access"]
        return {"Authorization": f"Bearer {token}"}

    def get(self, user: str, path: str) -> dict:
        return self.app.get(path, headers=self.headers[user], status=200).json

    def breach_scan(self) -> int:
        registry = self.wsgi.registry
        session = registry["dbsession_factory"]()
        try:
            return record_breaches(session, registry.settings, utcnow())
        finally:
            session.rollback()
            session.close()


def routes() -> dict:
    """Name: (user, path), or None for the breach scan."""
    tomorrow = quote((utcnow() + timedelta(days=1)).isoformat())
    week_ago = quote((utcnow() - timedelta(days=7)).isoformat())
    return {
        "all-tickets ?overdue=true": ("operator1", "/api/tickets/all-tickets/?overdue=true"),
        "my-tickets ?overdue=true": ("requester1", "/api/tickets/my-tickets/?overdue=true"),
        "assigned-to-me ?overdue=true": (
            "executor1",
            "/api/tickets/assigned-to-me/?overdue=true",
        ),
        "all-tickets ?overdue=true&ordering=resolution_due_at": (
            "operator1",
            "/api/tickets/all-tickets/?overdue=true&ordering=resolution_due_at",
        ),
        "assigned-to-me ?overdue=true&ordering=-resolution_due_at": (
            "executor1",
            "/api/tickets/assigned-to-me/?overdue=true&ordering=-resolution_due_at",
        ),
        "all-tickets ?due_before=tomorrow": (
            "operator1",
            f"/api/tickets/all-tickets/?due_before={tomorrow}",
        ),
        "all-tickets ?ordering=resolution_due_at": (
            "operator1",
            "/api/tickets/all-tickets/?ordering=resolution_due_at",
        ),
        "all-tickets ?ordering=-resolution_due_at": (
            "operator1",
            "/api/tickets/all-tickets/?ordering=-resolution_due_at",
        ),
        "my-tickets ?ordering=response_due_at": (
            "requester1",
            "/api/tickets/my-tickets/?ordering=response_due_at",
        ),
        "breach scan (record_breaches)": None,
        "GET /api/reports/sla/?since=7 days ago": (
            "operator1",
            f"/api/reports/sla/?since={week_ago}",
        ),
        "GET /api/reports/sla/ (every ticket)": ("operator1", "/api/reports/sla/"),
    }


def call(desk: Desk, route) -> None:
    if route is None:
        desk.breach_scan()
    else:
        desk.get(*route)


def per_request_ms(desk: Desk, route, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        call(desk, route)
    return (time.perf_counter() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("small")
    parser.add_argument("large")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--report-requests", type=int, default=1, help="per round, for the whole-table report"
    )
    args = parser.parse_args()
    setup_logging(str(INI))
    desks = [Desk(args.small), Desk(args.large)]
    table = routes()
    times: dict[tuple[str, int], list[float]] = {}
    for desk in desks:
        desk.catch_up()
        for route in table.values():
            call(desk, route)  # warm up: prepared statements, caches
    for _ in range(args.rounds):
        for name, route in table.items():
            requests = args.report_requests if name.endswith("(every ticket)") else args.requests
            for k, desk in enumerate(desks):
                times.setdefault((name, k), []).append(per_request_ms(desk, route, requests))
    small, large = desks
    print(
        f"| what | {small.tickets:,} tickets, ms | {large.tickets:,} tickets, ms | ratio |\n"
        "| --- | ---: | ---: | ---: |"
    )
    for name in table:
        a, b = (statistics.median(times[(name, k)]) for k in (0, 1))
        print(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f}× |")


if __name__ == "__main__":
    main()
