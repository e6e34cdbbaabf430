"""Command-line tools (``desk-createsuperuser``, ``desk-seed``) that start from an ini file.

Each tool loads the same ini as the server with ``pyramid.paster.bootstrap``, so it talks to
the same database with the same settings (``DATABASE_URL`` included), and writes inside
``with env["request"].tm:`` exactly as a request would.

Errors reach the user as one line, ``prog: error: message``, never as a traceback: exit
status 2 for a wrong command line (as argparse does), 1 for anything refused or failed.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pyramid.paster import bootstrap, setup_logging
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..settings import ConfigurationError


class ScriptError(Exception):
    """A failure to report to the user as one line, with exit status 1."""


def ini_path(config_uri: str) -> str:
    """The file part of a config URI such as ``development.ini#main``."""
    return config_uri.partition("#")[0]


def check_ini(parser, config_uri: str) -> None:
    """A usage error (exit 2) when the ini file does not exist, before anything is loaded."""
    if "://" not in config_uri and not os.path.isfile(ini_path(config_uri)):
        parser.error(f"no such ini file: {ini_path(config_uri)}")


def describe(exc: BaseException) -> str:
    """A one-line description of ``exc`` fit for a terminal."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        # The driver's message, without SQLAlchemy's statement dump and documentation link.
        return f"database error: {str(exc.orig).strip().splitlines()[0]}"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {str(exc).splitlines()[0]}"
    if isinstance(exc, ConfigurationError | ScriptError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def fail(prog: str, message: str, status: int = 1) -> int:
    """Print ``message`` argparse-style on stderr; ``status`` is for ``main`` to return."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return status


@contextmanager
def bootstrapped(config_uri: str) -> Iterator[dict]:
    """The app's environment (``request``, ``registry``) from the ini; cleaned up on exit.

    The engine is disposed at the end so that a caller running several tools in one process
    (the tests) leaves no idle connections behind.
    """
    setup_logging(config_uri)
    env = bootstrap(config_uri)
    # A script writes: its request must not get the read-only (autocommit) session that
    # ``desk.models`` gives a GET, the method of bootstrap's blank request.
    env["request"].method = "POST"
    try:
        yield env
    finally:
        env["closer"]()
        engine = env["registry"].get("db_engine")
        if engine is not None:
            engine.dispose()
