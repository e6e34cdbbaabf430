"""``/admin/``: ticket counts per status, users per role, and the newest tickets."""

from datetime import timedelta

from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import func, select

from ..lists import TicketList
from ..models import Role, Ticket, TicketStatus, User, utcnow
from ..permissions import Permission
from ..sla.report import target_counts
from .i18n import translator
from .models import TICKETS, USERS
from .rendering import page
from .routes import HOME, list_path
from .views import row_view

NEWEST = 10
#: The service-levels table counts the tickets filed in these last days: a range of an
#: index, where all of them would be a scan of the whole table.
SLA_DAYS = 30


def ticket_counts(request: Request) -> list[dict]:
    """Every status with its count (zero included, from the counters) and a link to its list."""
    return [
        {
            "code": status.value,
            "count": int(
                request.dbsession.scalar(TicketList("all", statuses=(status.value,)).count()) or 0
            ),
            "path": list_path(request, TICKETS, status=status.value),
        }
        for status in TicketStatus
    ]


def user_counts(request: Request) -> list[dict]:
    """Active users per role, with a link to the list of them."""
    counts = dict(
        request.dbsession.execute(
            select(User.role, func.count()).where(User.is_active.is_(True)).group_by(User.role)
        ).all()
    )
    return [
        {
            "code": role.value,
            "count": counts.get(role.value, 0),
            "path": list_path(request, USERS, role=role.value, is_active="true"),
        }
        for role in Role
    ]


@view_config(route_name=HOME, request_method="GET", permission=Permission.ADMIN)
def dashboard(request: Request) -> Response:
    _ = translator(request)
    now = utcnow()
    tickets = ticket_counts(request)
    newest = request.dbsession.scalars(
        select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(NEWEST)
    ).all()
    return page(
        request,
        "dashboard.jinja2",
        {
            "title": _("Dashboard"),
            "tickets": tickets,
            "total": sum(item["count"] for item in tickets),
            "users": user_counts(request),
            "tickets_admin": TICKETS,
            "newest": [row_view(request, TICKETS, row) for row in newest],
            "tickets_path": list_path(request, TICKETS),
            "users_path": list_path(request, USERS),
            "sla_targets": target_counts(
                request.dbsession, now, since=now - timedelta(days=SLA_DAYS)
            ),
            "sla_days": SLA_DAYS,
        },
    )
