"""Databases for the suite: a fresh PostgreSQL database per run, and a SQLite file."""

import os
import uuid

import psycopg
from sqlalchemy.engine import make_url

from .pgcluster import Cluster, find_bindir

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def server_answers(url: str) -> bool:
    try:
        psycopg.connect(_libpq(url), connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


class PostgresProvider:
    """Finds a server (DESK_TEST_DATABASE_URL, then 127.0.0.1:5432, then a throwaway cluster)
    and creates a database of its own on it, dropped at the end."""

    def __init__(self):
        self.cluster = None
        self.database = f"desk_test_{uuid.uuid4().hex[:10]}"
        self.server_url = self._find_server()
        self.admin_url = _libpq(self.server_url)
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')
            # A commit need not wait for its WAL to reach the disk: the suite tests no crash
            # recovery, and on a disk shared with other work that wait dominates a request.
            connection.execute(f'ALTER DATABASE "{self.database}" SET synchronous_commit = off')
        self.url = str(
            make_url(self.server_url)
            .set(database=self.database)
            .render_as_string(hide_password=False)
        )

    def _find_server(self) -> str:
        given = os.environ.get("DESK_TEST_DATABASE_URL")
        if given:
            return given
        if server_answers(LOCAL_SERVER):
            return LOCAL_SERVER
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(
                "No PostgreSQL: set DESK_TEST_DATABASE_URL, run a server on 127.0.0.1:5432, "
                "or install the PostgreSQL server binaries."
            )
        self.cluster = Cluster(bindir).init().start()
        return self.cluster.url

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.remove()
            return
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
