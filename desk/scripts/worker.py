"""``desk-worker INI``: deliver webhooks and e-mail until stopped (SIGTERM or Ctrl-C).

Run as many as you like, on as many machines, against the one PostgreSQL (SQLite: one).
"""

import argparse
import signal
import sys

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy.orm import sessionmaker

from ..models import get_engine
from ..notifications.config import notification_config
from ..notifications.worker import Worker
from ..settings import ConfigurationError, with_overrides
from . import check_ini, describe, fail

PROG = "desk-worker"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv)
    check_ini(parser, args.config_uri)
    setup_logging(args.config_uri)
    try:
        settings = with_overrides(get_appsettings(args.config_uri))
        config = notification_config(settings)
    except (ConfigurationError, ValueError) as error:
        return fail(PROG, describe(error))
    engine = get_engine(settings)
    worker = Worker(sessionmaker(bind=engine, expire_on_commit=False), settings, config)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    try:
        worker.run()
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
