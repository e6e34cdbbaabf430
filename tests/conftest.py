"""Fixtures: the app on each database (PostgreSQL and SQLite), clients, and factories.

Every test runs twice, once per database, against the real app: requests commit through
pyramid_tm as in production, and the tables are emptied after each test, so that no test
depends on another's data.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from desk import main
from desk.models import Base, Role, User

from .support.database import PostgresProvider
from .support.figures import FIGURES, WORKER_OUTPUT_KEY

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("postgresql", "sqlite")
#: Linux's tmpfs: files in memory.
MEMORY_FOLDER = Path("/dev/shm")
PASSWORD = "correct-horse-battery"
#: The fields of a user object, and nothing else (never a password or its hash).
USER_FIELDS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "is_active",
    "is_superuser",
    "date_joined",
    "notify_email",
    "language",
}

#: Fast hashing for the suite; production keeps its OWASP parameters (see test_passwords).
TEST_SETTINGS = {
    "desk.env": "testing",
    "desk.jwt.secret": "test-secret-that-is-long-enough-for-hs256!",
    "desk.registration.roles": "REQUESTER OPERATOR EXECUTOR",
    "desk.password_hash.time_cost": "1",
    "desk.password_hash.memory_cost": "1024",
    "desk.login.max_failures": "5",
    "desk.login.max_failures_per_address": "20",
    "retry.attempts": "3",
    # Webhook receivers in the suite listen on 127.0.0.1.
    "desk.webhooks.allow_private": "true",
    # Service levels around the clock, as the ini files ship them (tests/unit/test_sla_*).
    "desk.sla.urgent": "1h 4h",
    "desk.sla.high": "4h 1d",
    "desk.sla.normal": "1d 3d",
    "desk.sla.low": "3d 1w",
    "desk.sla.warning": "0.8",
}


def parameter(item, name: str):
    """The value of the test's parameter ``name`` (of a parametrize or a fixture), or None."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(name) if callspec else None


def backend_of(item) -> str | None:
    return parameter(item, "backend")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Skip what SQLite cannot run, and start each database's tests with its slow ones: the
    workers take tests in order, so a long test left for the end keeps one waiting."""
    for item in items:
        if backend_of(item) == "sqlite" and item.get_closest_marker("postgresql_only"):
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only: not run on SQLite"))
    # pytest has grouped the tests by database (a session fixture's parameter); keep that.
    groups = list(dict.fromkeys(backend_of(item) for item in items))
    items.sort(
        key=lambda item: (groups.index(backend_of(item)), not item.get_closest_marker("slow"))
    )


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: hand the figures over
        workeroutput[WORKER_OUTPUT_KEY] = FIGURES.export()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    FIGURES.merge(getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY, {}))


def pytest_terminal_summary(terminalreporter):
    FIGURES.report(terminalreporter)


@pytest.fixture(scope="session")
def postgres():
    provider = PostgresProvider()
    yield provider
    provider.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def sqlite_folder(tmp_path_factory) -> Iterator[Path]:
    """Where the SQLite database lives: in memory (tmpfs) where the machine has it, since a
    commit's fsync costs nothing there (some 20 ms on a shared disk, and every request
    commits); the suite tests no crash recovery."""
    if not (MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    folder = Path(tempfile.mkdtemp(prefix="desk-test-", dir=MEMORY_FOLDER))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(backend, request) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("postgres").url.replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    return f"sqlite:///{request.getfixturevalue('sqlite_folder')}/desk.sqlite"


def alembic(url: str, action, *args) -> None:
    """Run an alembic command against ``url`` with development.ini, as an operator would."""
    os.environ["DATABASE_URL"] = url
    try:
        action(Config(str(ROOT / "development.ini")), *args)
    finally:
        del os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
def settings(database_url) -> dict:
    alembic(database_url, command.upgrade, "head")
    return {**TEST_SETTINGS, "sqlalchemy.url": database_url}


@pytest.fixture(scope="session")
def app(settings):
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("DESK_JWT_SECRET", None)
    wsgi_app = main({}, **settings)
    yield wsgi_app
    wsgi_app.registry["db_engine"].dispose()


#: Every table, children before their parents, so that a plain DELETE of each in turn never
#: trips a foreign key.
TABLES = [table.name for table in reversed(Base.metadata.sorted_tables)]
#: PostgreSQL: numbering starts again at each sequence's first value, as on a fresh database
#: (SQLite's rowids restart by themselves once a table is empty).
RESTART_SEQUENCES = "SELECT setval(seqrelid, seqstart, false) FROM pg_sequence"
#: PostgreSQL in one round trip (a query without parameters may hold several statements):
#: the deferred triggers that keep ticket_counts exact fire as each DELETE ends, not at the
#: commit, by when ticket_counts (after tickets in TABLES) is emptied.
EMPTY_POSTGRESQL = "; ".join(
    [
        "SET CONSTRAINTS ALL IMMEDIATE",
        *(f"DELETE FROM {table}" for table in TABLES),
        RESTART_SEQUENCES,
    ]
)


def empty_tables(engine) -> None:
    """Delete every row; DELETE rather than TRUNCATE, which on PostgreSQL makes new files for
    each table and index and so costs some ten times as much on a test's few rows. One round
    trip on PostgreSQL: 1.4 ms instead of 6 for the 18 statements one by one."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(EMPTY_POSTGRESQL)
            return
        for table in TABLES:
            connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def registry(app):
    yield app.registry
    empty_tables(app.registry["db_engine"])


@pytest.fixture
def testapp(app, registry) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": "desk.test"})


class Factory:
    """Makes users (and tickets through the API) for one test; each call commits."""

    def __init__(self, registry, testapp):
        self.registry = registry
        self.testapp = testapp
        self.password_hash = registry["passwords"].hash(PASSWORD)
        self.count = 0

    def user(
        self,
        role: str = Role.REQUESTER,
        *,
        username: str | None = None,
        superuser: bool = False,
        active: bool = True,
        password: str | None = None,
    ) -> User:
        self.count += 1
        username = username or f"{role.lower()}{self.count}"
        session = self.registry["dbsession_factory"]()
        user = User(
            username=username,
            email=f"{username}@example.com",
            role=role,
            is_superuser=superuser,
            is_active=active,
            password_hash=(
                self.registry["passwords"].hash(password) if password else self.password_hash
            ),
        )
        session.add(user)
        session.commit()
        session.close()
        return user

    def headers(self, user: User) -> dict:
        token = self.registry["security_policy"].create_access_token(user)
        return {"Authorization": f"Bearer {token}"}

    def ticket(self, requester: User, **fields) -> dict:
        body = {"title": "Printer on floor 3 is jammed", **fields}
        return self.testapp.post_json("/api/tickets/", body, headers=self.headers(requester)).json

    def assign(self, ticket: dict, operator: User, executor: User) -> dict:
        return self.testapp.post_json(
            f"/api/tickets/{ticket['id']}/assign/",
            {"executor_id": executor.id},
            headers=self.headers(operator),
        ).json

    def execute(self, ticket: dict, executor: User, status: str = "DONE") -> dict:
        return self.testapp.post_json(
            f"/api/tickets/{ticket['id']}/execute/",
            {"status": status},
            headers=self.headers(executor),
        ).json

    def ticket_in(self, status: str, requester: User, operator: User, executor: User) -> dict:
        """A fresh ticket brought to ``status`` through the API (CANCELLED keeps an executor;
        WAITING waits from IN_PROGRESS)."""
        ticket = self.ticket(requester)
        if status == "NEW":
            return ticket
        ticket = self.assign(ticket, operator, executor)
        if status in ("IN_PROGRESS", "DONE", "WAITING"):
            ticket = self.execute(ticket, executor, "IN_PROGRESS")
        if status == "WAITING":
            ticket = self.testapp.post_json(
                f"/api/tickets/{ticket['id']}/wait/",
                {"comment": "Which floor?"},
                headers=self.headers(executor),
            ).json
        if status == "DONE":
            ticket = self.execute(ticket, executor, "DONE")
        if status == "CANCELLED":
            ticket = self.testapp.post_json(
                f"/api/tickets/{ticket['id']}/cancel/", {}, headers=self.headers(operator)
            ).json
        assert ticket["status"] == status
        return ticket


@pytest.fixture
def make(registry, testapp) -> Factory:
    return Factory(registry, testapp)


@pytest.fixture
def requester(make) -> User:
    return make.user(Role.REQUESTER)


@pytest.fixture
def operator(make) -> User:
    return make.user(Role.OPERATOR)


@pytest.fixture
def executor(make) -> User:
    return make.user(Role.EXECUTOR)


@pytest.fixture
def superuser(make) -> User:
    return make.user(Role.OPERATOR, superuser=True)
