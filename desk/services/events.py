"""``/api/events/``: the history of every ticket, an audit trail and a change feed."""

from .. import schemas
from ..api import Service, responses
from ..permissions import Permission
from ..queries import EVENTS_OLDEST_FIRST, event_query
from ..representations import event_json
from ..resources import ticket_factory
from .paging import page

events = Service(
    name="events",
    path="/api/events/",
    factory=ticket_factory,
    description="Events across all tickets, oldest first; poll with the next link's cursor",
)
SERVICES = (events,)


@events.get(
    schema=schemas.request_schema(querystring=schemas.EventListQuery),
    permission=Permission.EVENT_LIST,
    tags=["events"],
    response_schemas=responses({200: schemas.page_of(schemas.EventOut, "EventPage")}),
)
def list_events(request):
    """Every event (operators, superusers), filterable by ticket, actor, kind and time."""
    query = event_query(params=request.validated.get("querystring", {}))
    return page(
        request,
        query,
        EVENTS_OLDEST_FIRST,
        lambda rows: [event_json(row) for row in rows],
    )
