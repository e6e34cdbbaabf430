"""``/healthz`` (the process is up) and ``/readyz`` (and its database answers)."""

from pyramid.security import NO_PERMISSION_REQUIRED
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .. import schemas
from ..api import Service, responses

TAGS = ["operations"]

healthz = Service(name="healthz", path="/healthz", description="Liveness; no database")
readyz = Service(name="readyz", path="/readyz", description="Readiness: the database answers")
SERVICES = (healthz, readyz)


@healthz.get(
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({200: schemas.HealthOut()}),
)
def check_liveness(request):
    """Always `{"status": "ok"}` while the process serves."""
    return {"status": "ok"}


@readyz.get(
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({200: schemas.HealthOut(), 503: schemas.HealthOut()}),
)
def check_readiness(request):
    """`{"status": "ok"}` when the database answers, else 503 `{"status": "unavailable"}`."""
    try:
        with request.registry["db_engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError:
        request.response.status = 503
        return {"status": "unavailable"}
    return {"status": "ok"}
