"""Write the spec that ``/api/openapi.json`` serves to a file, without a running server.

The app is built from development.ini on a SQLite file in a temporary folder (the spec needs
no table), and the spec is requested through WSGI as a client would get it:
``python clients/dump_spec.py OUT.json``.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path

from pyramid.paster import get_app
from webob import Request

ROOT = Path(__file__).resolve().parent.parent


def served_spec() -> bytes:
    """The body of ``GET /api/openapi.json`` from an app on a throwaway SQLite database."""
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/desk.sqlite"
        # Any key: the spec does not depend on it (and the development key warns).
        os.environ.setdefault("DESK_JWT_SECRET", secrets.token_urlsafe(48))
        app = get_app(str(ROOT / "development.ini"))
        try:
            response = Request.blank("/api/openapi.json").get_response(app)
        finally:
            app.registry["db_engine"].dispose()
    if response.status_code != 200:
        raise SystemExit(f"GET /api/openapi.json answered {response.status}")
    return response.body


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: dump_spec.py OUT.json")
    Path(sys.argv[1]).write_bytes(served_spec())


if __name__ == "__main__":
    main()
