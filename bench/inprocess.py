"""CPU per request of Desk's hot routes, called in-process without HTTP (for profiling fixes).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB DESK_JWT_SECRET=... \\
        .venv/bin/python bench/inprocess.py [--rounds 7] [--requests 200] [--profile ROUTE]

The database must hold ``desk-seed`` data. Each route is called ``--requests`` times per round
through the whole WSGI app of ``production.ini`` (tweens, security, pyramid_tm) from one
thread; the figure is the process CPU time per request, the minimum over the rounds, with
the wall time beside it (that includes PostgreSQL's share). The first line is the
benchmark's baseline app (``bench/baseline.py``) through the same harness, for scale.
``--profile ROUTE`` prints a cProfile of that route instead.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path

from baseline import make_app as make_baseline
from pyramid.paster import get_app, setup_logging
from webtest import TestApp

INI = Path(__file__).resolve().parent.parent / "production.ini"
PASSWORD = "desk-demo-password"


def login(app: TestApp, username: str) -> str:
    body = {"username": username, "password": PASSWORD}
    return app.post_json("/api/auth/login/", body).json["access"]


def routes(app: TestApp) -> dict:
    """Each measured route: (method, path, headers, body)."""
    operator = {"Authorization": "Bearer " + login(app, "operator1")}
    requester = {"Authorization": "Bearer " + login(app, "requester1")}
    ticket_id = app.get("/api/tickets/all-tickets/?page_size=1", headers=operator).json["results"][
        0
    ]["id"]
    new_ticket = {"title": "Printer on floor 3", "description": "Jammed again.", "priority": "HIGH"}
    return {
        "healthz": ("GET", "/healthz", {}, None),
        "profile": ("GET", "/api/auth/profile/", operator, None),
        "detail": ("GET", f"/api/tickets/{ticket_id}/", operator, None),
        "all-tickets": ("GET", "/api/tickets/all-tickets/", operator, None),
        "status": ("GET", "/api/tickets/all-tickets/?status=IN_PROGRESS", operator, None),
        "create": ("POST", "/api/tickets/", requester, new_ticket),
    }


def call(app: TestApp, method: str, path: str, headers: dict, body) -> None:
    if body is None:
        app.request(path, method=method, headers=headers, status=200)
    else:
        app.request(
            path,
            method=method,
            headers={**headers, "Content-Type": "application/json"},
            body=json.dumps(body).encode(),
            status=201,
        )


def measure(app: TestApp, route: tuple, rounds: int, requests: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per request, each the minimum over ``rounds``."""
    cpu, wall = [], []
    for _ in range(rounds):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(requests):
            call(app, *route)
        cpu.append((time.process_time() - cpu0) / requests * 1e6)
        wall.append((time.perf_counter() - wall0) / requests * 1e6)
    return min(cpu), min(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated route names")
    parser.add_argument("--profile", metavar="ROUTE")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key")
    args = parser.parse_args()
    setup_logging(str(INI))
    app = TestApp(get_app(str(INI)), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    table = routes(app)
    if args.profile:
        route = table[args.profile]
        measure(app, route, 1, args.requests)  # warm up
        profiler = cProfile.Profile()
        profiler.runcall(measure, app, route, 1, args.requests)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(45)
        print(out.getvalue())
        return
    names = [n for n in args.only.split(",") if n] or list(table)
    if not args.only:
        url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
        baseline = TestApp(make_baseline(url, 1))
        route = ("GET", "/", {}, None)
        measure(baseline, route, 1, 20)
        cpu, wall = measure(baseline, route, args.rounds, args.requests)
        print(f"{'baseline':12} {cpu:8.0f} µs CPU {wall:8.0f} µs wall")
    for name in names:
        measure(app, table[name], 1, 20)  # warm up: prepared statements, caches
        cpu, wall = measure(app, table[name], args.rounds, args.requests)
        print(f"{name:12} {cpu:8.0f} µs CPU {wall:8.0f} µs wall")


if __name__ == "__main__":
    main()
