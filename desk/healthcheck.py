"""The container's liveness probe: ``python -m desk.healthcheck``.

It asks ``/healthz`` on the port the server listens on: ``DESK_HTTP_PORT`` when set (the
entrypoint passes it to pserve as ``http_port``), else the ``port`` of the ini file's
``[server:main]`` (``DESK_INI``, or ``${DESK_ENV}.ini``). Exits 0 on a 2xx answer, 1 otherwise.
"""

import os
import sys
import urllib.request

import plaster


def configured_port(environ=os.environ) -> int:
    """The port the server was told to listen on, as the entrypoint starts it."""
    if environ.get("DESK_HTTP_PORT"):
        return int(environ["DESK_HTTP_PORT"])
    ini = environ.get("DESK_INI") or f"{environ.get('DESK_ENV', 'production')}.ini"
    return int(plaster.get_settings(ini, "server:main").get("port", "8000"))


def main() -> int:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{configured_port()}/healthz", timeout=4)
    except Exception as error:  # any failure is "unhealthy"
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
