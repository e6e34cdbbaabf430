"""The models the admin manages, registered in the order the navigation lists them.

Adding a third model is one declaration, e.g. the history events as a read-only list::

    from ..models import TicketEvent
    from ..queries import EVENTS_OLDEST_FIRST

    def event_kinds(request):
        return [(kind, kind) for kind in ("created", "edited", "assigned", "cancelled")]

    REGISTRY.register(
        ModelAdmin(
            name="events",
            model=TicketEvent,
            label=N_("Events"),
            label_singular=N_("Event"),
            permission=Permission.EVENT_LIST,
            columns=(Column("id", N_("ID"), sort="id"), Column("kind", N_("What"))),
            filters=(Filter("kind", N_("What"), TicketEvent.kind, event_kinds),),
            orderings={"id": EVENTS_OLDEST_FIRST.columns},
            default_ordering="-id",
        )
    )

It gets a navigation entry, a list (filtered, sortable, paginated) and detail pages, each
guarded by its permission; an ``edit_schema`` with ``save``, a ``create_schema`` with
``create``, or ``actions`` add those pages. Its labels go into ``desk.admin.i18n``'s
Russian catalog (a test lists any that are missing).
"""

from .events import EVENTS
from .registry import REGISTRY
from .tickets import TICKETS
from .users import USERS

REGISTRY.register(USERS)
REGISTRY.register(TICKETS)
REGISTRY.register(EVENTS)

__all__ = ["EVENTS", "REGISTRY", "TICKETS", "USERS"]
