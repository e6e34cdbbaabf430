"""The benchmark's baseline: a bare WSGI app that runs one primary-key SELECT and answers JSON.

It is what any Python web service on this machine pays at least per request: waitress (the
same server and settings as ``production.ini``'s ``[server:main]``), one round trip to
PostgreSQL through psycopg 3, and ``json.dumps``. Every Desk workload is reported as a ratio
of its requests/s to this app's, measured in the same run.

    DATABASE_URL=postgresql://... python bench/baseline.py --port 8700 --set threads=8

``bench/run.py`` passes every key of ``production.ini``'s ``[server:main]`` (but host and port)
with ``--set``, so both servers run with the same waitress adjustments.
"""

import argparse
import json
import os
import threading

import psycopg
import waitress

SQL = "SELECT id, username, email, role, is_active FROM users WHERE id = %s"


def make_app(conninfo: str, user_id: int):
    local = threading.local()

    def connection() -> psycopg.Connection:
        # One connection per waitress thread, opened once: no pool bookkeeping at all.
        conn = getattr(local, "conn", None)
        if conn is None or conn.closed:
            conn = local.conn = psycopg.connect(conninfo, autocommit=True)
        return conn

    def app(environ, start_response):
        with connection().cursor() as cursor:
            cursor.execute(SQL, (user_id,))
            row = cursor.fetchone()
        keys = ("id", "username", "email", "role", "is_active")
        body = json.dumps(dict(zip(keys, row, strict=True))).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a waitress adjustment"
    )
    parser.add_argument("--user-id", type=int, default=1)
    args = parser.parse_args()
    adjustments = dict(item.split("=", 1) for item in args.set)
    url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://", 1)
    waitress.serve(make_app(url, args.user_id), host="127.0.0.1", port=args.port, **adjustments)


if __name__ == "__main__":
    main()
