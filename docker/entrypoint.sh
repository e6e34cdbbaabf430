#!/bin/sh
# Desk's container entrypoint (WORKDIR /app).
#
#   (no arguments)   wait for the database, migrate it, then exec pserve "$DESK_INI"
#   serve [ARGS]     the same; ARGS go to pserve (for another port set DESK_HTTP_PORT, which
#                    the HEALTHCHECK also reads)
#   migrate          wait for the database and migrate it, then exit
#   anything else    exec'd as given, e.g. desk-seed production.ini --tickets 100
#
# Environment:
#   DESK_ENV       production (default) or development: serves ${DESK_ENV}.ini
#   DESK_INI       an explicit ini file instead (wins over DESK_ENV)
#   DESK_HTTP_PORT the port to listen on instead of the ini's (the HEALTHCHECK follows it)
#   DESK_DB_WAIT   seconds to wait for the database before giving up (default 60)
#   DATABASE_URL, DESK_JWT_SECRET   read by the application (see production.ini)
set -eu

if [ -z "${DESK_INI:-}" ]; then
    DESK_ENV="${DESK_ENV:-production}"
    case "$DESK_ENV" in
        production | development) ;;
        *)
            echo "entrypoint: DESK_ENV must be production or development, not '$DESK_ENV'" >&2
            exit 64
            ;;
    esac
    DESK_INI="$DESK_ENV.ini"
fi
DESK_DB_WAIT="${DESK_DB_WAIT:-60}"
export DESK_INI

if [ ! -f "$DESK_INI" ]; then
    echo "entrypoint: no $DESK_INI in $(pwd)" >&2
    exit 66
fi

# Checks the settings (DATABASE_URL; DESK_JWT_SECRET in production) before touching the
# database, waits until the database accepts connections, then runs
#   alembic -c "$DESK_INI" upgrade head
# while holding a PostgreSQL advisory lock, so that replicas starting together
# (docker compose up --scale backend=N) migrate one after the other, never concurrently.
migrate() {
    python - "$DESK_INI" "$DESK_DB_WAIT" <<'PY'
import subprocess
import sys
import time

from pyramid.paster import get_appsettings
from sqlalchemy.exc import OperationalError

from desk.models import get_engine
from desk.settings import ConfigurationError, load_settings

MIGRATION_LOCK = 7_303_741_500  # any fixed bigint: the advisory lock's key

ini, wait = sys.argv[1], float(sys.argv[2])
try:
    settings = load_settings(get_appsettings(ini))
except ConfigurationError as error:
    sys.exit(f"entrypoint: {error}")

engine = get_engine(settings)
deadline = time.monotonic() + wait
reported = False
while True:
    try:
        connection = engine.connect()
        break
    except OperationalError as error:
        if time.monotonic() >= deadline:
            sys.exit(f"entrypoint: no database after {wait:.0f}s: {error.orig}")
        if not reported:
            print(f"entrypoint: waiting for the database: {error.orig}", file=sys.stderr)
            reported = True
        time.sleep(1)

with connection:
    locked = connection.dialect.name == "postgresql"
    if locked:
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        connection.commit()
    try:
        code = subprocess.call(["alembic", "-c", ini, "upgrade", "head"])
    finally:
        if locked:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            connection.commit()
engine.dispose()
sys.exit(code)
PY
}

command="${1:-serve}"
case "$command" in
    serve)
        if [ "$#" -gt 0 ]; then shift; fi
        migrate
        # Listen on every interface whatever the ini says: only the published port reaches it.
        exec pserve "$DESK_INI" http_host=0.0.0.0 ${DESK_HTTP_PORT:+"http_port=$DESK_HTTP_PORT"} "$@"
        ;;
    migrate)
        migrate
        ;;
    *)
        exec "$@"
        ;;
esac
