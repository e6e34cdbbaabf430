"""The data layer: models, the engine, and a transaction-bound session per request.

Imports nothing from the rest of the package; everything above it imports from here.
"""

import os

import zope.sqlalchemy
from sqlalchemy import engine_from_config, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

from .comment import Comment
from .enums import Priority, Role, TicketStatus
from .history import TicketEvent
from .idempotency import IdempotencyKey
from .meta import Base, utcnow
from .throttle import LoginFailure
from .ticket import Ticket
from .token import RefreshToken
from .user import User, username_key

__all__ = [
    "Base",
    "Comment",
    "IdempotencyKey",
    "LoginFailure",
    "Priority",
    "RefreshToken",
    "Role",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
    "User",
    "get_engine",
    "get_session_factory",
    "get_tm_session",
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
        options["pool_pre_ping"] = True
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _prepare_sqlite)
    return engine


def get_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker, transaction_manager, request=None) -> Session:
    """A session joined to ``transaction_manager``: committed or aborted with it."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


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
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine

    def dbsession(request) -> Session:
        # Tests hand in their own session through the WSGI environ.
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
