"""The models the admin manages, registered in the order the navigation lists them.

A model is one declaration: ``desk/admin/events.py`` shows the history events as a
read-only list (filters by actor, kind, ticket; a date range; exports), in some sixty lines.

It gets a navigation entry, a list (filtered, sortable, paginated) and detail pages, each
guarded by its permission; an ``edit_schema`` with ``save``, a ``create_schema`` with
``create``, or ``actions`` add those pages. Its labels, marked
with ``N_``, go into the catalogs by extraction (README, "Translations"; a test fails while
``desk.pot`` lacks one or a language leaves one untranslated).
"""

from .attachments import ATTACHMENTS
from .deliveries import DELIVERIES
from .events import EVENTS
from .registry import REGISTRY
from .tickets import TICKETS
from .users import USERS
from .webhooks import WEBHOOKS

REGISTRY.register(USERS)
REGISTRY.register(TICKETS)
REGISTRY.register(EVENTS)
REGISTRY.register(WEBHOOKS)
REGISTRY.register(DELIVERIES)
REGISTRY.register(ATTACHMENTS)

__all__ = ["ATTACHMENTS", "DELIVERIES", "EVENTS", "REGISTRY", "TICKETS", "USERS", "WEBHOOKS"]
