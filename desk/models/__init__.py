"""The data layer: models, the engine, and a transaction-bound session per request.

Imports nothing from the rest of the package; everything above it imports from here.
"""

import os
import time

from sqlalchemy import engine_from_config, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers, sessionmaker
from zope.sqlalchemy.datamanager import ZopeTransactionEvents

from .attachment import Attachment, AttachmentChunk
from .audit import AdminAction
from .comment import Comment
from .counts import CountScope, DayKind, TicketCount, TicketDayCount
from .enums import Priority, Role, TicketStatus
from .history import EVENT_KINDS, TicketEvent
from .idempotency import IdempotencyKey
from .meta import Base, utcnow
from .notifications import Delivery, DeliveryAttempt, PeriodicRun, Webhook
from .throttle import LoginFailure
from .ticket import Ticket
from .token import RefreshToken
from .user import User, username_key

__all__ = [
    "EVENT_KINDS",
    "AdminAction",
    "Attachment",
    "AttachmentChunk",
    "Base",
    "Comment",
    "CountScope",
    "DayKind",
    "Delivery",
    "DeliveryAttempt",
    "IdempotencyKey",
    "LoginFailure",
    "PeriodicRun",
    "Priority",
    "RefreshToken",
    "Role",
    "Ticket",
    "TicketCount",
    "TicketDayCount",
    "TicketEvent",
    "TicketStatus",
    "User",
    "Webhook",
    "get_engine",
    "get_session_factory",
    "get_tm_session",
    "mark_changed",
    "username_key",
    "utcnow",
]

configure_mappers()


def _prepare_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # SQLite's own lower() (behind ILIKE) folds ASCII only; Python's folds every script,
    # as PostgreSQL's does, so searches find "Ёжик" by "ёжик" on both.
    dbapi_connection.create_function(
        "lower", 1, lambda text: text.lower() if text else text, deterministic=True
    )


#: A pooled connection idle for longer than this is pinged before use (a round trip); one in
#: steady use is not. A connection that a database restart broke meanwhile fails its first
#: statement instead: SQLAlchemy then invalidates the whole pool, that request answers 503,
#: and the next ones get fresh connections.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(dbapi_connection, record, proxy) -> None:
    """The pool's checkout hook: ``pool_pre_ping``, but only for connections left idle."""
    if time.monotonic() - record.info.get("desk.checked_in", 0.0) < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not dbapi_connection.autocommit:
            # The ping opened a transaction: end it, so that the connection is handed out
            # idle, as SQLAlchemy expects (a read then switches it to autocommit).
            dbapi_connection.rollback()
    except Exception as error:
        # The pool retries the checkout with a fresh connection.
        raise exc.DisconnectionError(f"idle connection failed its ping: {error}") from error


def _session_in_utc(dbapi_connection, _record) -> None:
    """The connect hook: the session's time zone is UTC, whatever the server's default.

    psycopg returns ``timestamptz`` values in the session's zone; in ``UTC`` (that name) it
    gives them ``datetime.UTC``, which ``UTCDateTime`` then passes through unconverted. The
    API writes every time in UTC either way.
    """
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    if not dbapi_connection.autocommit:
        dbapi_connection.commit()


def _note_checkin(dbapi_connection, record) -> None:
    """The pool's connect and checkin hook: when the connection was last known good."""
    record.info["desk.checked_in"] = time.monotonic()


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> Engine:
    """An engine from the ini's ``sqlalchemy.*`` keys; creates SQLite's folder if needed."""
    url = settings[prefix + "url"]
    options = {}
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        os.makedirs(os.path.dirname(url.removeprefix("sqlite:///")) or ".", exist_ok=True)
    elif url.startswith("postgresql"):
        # Fail fast when the database is gone: a request answers 503 in seconds, not minutes.
        timeout = int(settings.get("desk.db.connect_timeout", 3))
        options["connect_args"] = {"connect_timeout": timeout}
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _prepare_sqlite)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _session_in_utc)
        event.listen(engine, "connect", _note_checkin)
        event.listen(engine, "checkout", _ping_when_idle)
        event.listen(engine, "checkin", _note_checkin)
    return engine


#: ``session.info`` key of zope.sqlalchemy's events for the request's transaction manager.
ZOPE_EVENTS = "desk.zope_events"

#: The session events zope.sqlalchemy listens to, and where each finds its session.
_ZOPE_EVENT_SESSIONS = {
    "after_begin": lambda session, *_: session,
    "after_attach": lambda session, *_: session,
    "after_flush": lambda session, *_: session,
    "after_bulk_update": lambda context: context.session,
    "after_bulk_delete": lambda context: context.session,
    "before_commit": lambda session: session,
    "do_orm_execute": lambda state: state.session,
}


def _forward_to_zope(name: str, session_of):
    def listener(*args) -> None:
        events = session_of(*args).info.get(ZOPE_EVENTS)
        if events is not None:
            getattr(events, name)(*args)

    return listener


def mark_changed(session: Session) -> None:
    """Tell zope.sqlalchemy that a Core statement wrote (it sees only the ORM's writes), so
    that the request's transaction commits; a session outside a transaction manager (a
    script's) commits itself."""
    events = session.info.get(ZOPE_EVENTS)
    if events is not None:
        events.mark_changed(session)


def get_session_factory(engine: Engine) -> sessionmaker:
    """Sessions that join the transaction manager named in their ``info`` (``get_tm_session``).

    ``zope.sqlalchemy.register(session)`` adds seven event listeners to every new session,
    which cost more than the rest of a small request's database work (BENCHMARKS.md). Here
    the listeners are added once, to the factory, and hand each event to the session's own
    ``ZopeTransactionEvents``, zope.sqlalchemy's class, made per session by
    ``get_tm_session``. A session without one (tests, scripts) is left alone.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    for name, session_of in _ZOPE_EVENT_SESSIONS.items():
        event.listen(factory, name, _forward_to_zope(name, session_of))
    return factory


def get_tm_session(
    session_factory: sessionmaker, transaction_manager, request=None, bind: Engine | None = None
) -> Session:
    """A session joined to ``transaction_manager``: committed or aborted with it.

    ``bind`` replaces the factory's engine, e.g. with ``reading_engine``'s.
    """
    events = ZopeTransactionEvents(transaction_manager=transaction_manager)
    options = {"bind": bind} if bind is not None else {}
    return session_factory(info={"request": request, ZOPE_EVENTS: events}, **options)


#: Methods that change nothing: their requests read without a database transaction.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reading_engine(engine: Engine) -> Engine:
    """``engine`` with DBAPI autocommit, for requests that only read (PostgreSQL).

    SQLAlchemy's documented way to read without a transaction: the same pool, the driver in
    autocommit mode, so no BEGIN and no COMMIT round trips, and psycopg keeps its prepared
    statements. Every list page and its count are one statement, so one snapshot. The
    session and zope.sqlalchemy work as usual; their commit is the driver's no-op. SQLite
    keeps its plain transactions (its reads cost no round trip).
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def includeme(config) -> None:
    """Give every request a ``request.dbsession`` bound to its ``request.tm``."""
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # pyramid_tm would look up the user above the exception views: a database outage there
    # would escape the 503 handler.
    settings["tm.annotate_user"] = False
    config.include("pyramid_tm")
    settings.setdefault("retry.activate_hook", "desk.tweens.retry_attempts")
    config.include("pyramid_retry")

    engine = get_engine(settings)
    reader = reading_engine(engine)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine

    def dbsession(request) -> Session:
        # Tests hand in their own session through the WSGI environ.
        session = request.environ.get("app.dbsession")
        if session is None:
            # A write, and everything it reads, runs in one transaction; a read needs none.
            bind = reader if request.method in SAFE_METHODS else None
            session = get_tm_session(session_factory, request.tm, request=request, bind=bind)
        return session

    config.add_request_method(dbsession, reify=True)
