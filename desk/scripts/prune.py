"""``desk-prune INI``: remove expired refresh tokens, old login failures and expired
idempotency keys once (desk/housekeeping.py), and print how many rows went from each table.

Safe to run at any time and from cron: small batches, each its own short transaction.
"""

import argparse
import sys

from ..housekeeping import BATCH_SIZE, prune
from ..models import utcnow
from . import bootstrapped, check_ini, describe, fail

PROG = "desk-prune"


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    cli.add_argument("config_uri", help="the ini file, e.g. production.ini")
    cli.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help="rows deleted per transaction"
    )
    return cli


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``desk-prune``; returns the exit status."""
    cli = parser()
    try:
        args = cli.parse_args(argv)
        if args.batch_size < 1:
            cli.error("--batch-size must be at least 1")
        check_ini(cli, args.config_uri)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        with bootstrapped(args.config_uri) as env:
            registry = env["registry"]
            session = registry["dbsession_factory"]()
            try:
                counts = prune(session, registry.settings, utcnow(), args.batch_size)
            finally:
                session.close()
    except Exception as exc:
        return fail(PROG, describe(exc))
    print(", ".join(f"{table}: {count} removed" for table, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
