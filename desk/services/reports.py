"""``/api/reports/``: figures across all tickets for operators (service levels)."""

from .. import schemas
from ..api import Service, responses
from ..models import utcnow
from ..permissions import Permission
from ..resources import report_factory
from ..sla.policy import SETTINGS_KEY
from ..sla.report import sla_report

sla = Service(
    name="report_sla",
    path="/api/reports/sla/",
    factory=report_factory,
    description="Service levels per priority: targets met and missed, times taken",
)
SERVICES = (sla,)


@sla.get(
    schema=schemas.request_schema(querystring=schemas.SlaReportQuery),
    permission=Permission.REPORT_SLA,
    tags=["reports"],
    response_schemas=responses({200: schemas.SlaReportOut()}),
)
def get_sla_report(request):
    """Per priority: tickets filed in [since, until), with a target, met, breached, pending,
    and the median and 90th percentile of seconds to the first response and to resolution."""
    params = request.validated.get("querystring", {})
    return sla_report(
        request.dbsession,
        request.registry[SETTINGS_KEY],
        utcnow(),
        since=params.get("since"),
        until=params.get("until"),
    )
