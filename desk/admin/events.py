"""The events page: the history of every ticket, filterable by actor, kind, ticket and time.

Read-only, as history is; each filter is backed by an index of ``ticket_events``
(``(actor_id, id)``, ``(kind, id)``, ``(ticket_id, id)``, ``(created_at, id)``).
"""

from pyramid.request import Request

from ..i18n import N_
from ..models import TicketEvent
from ..permissions import Permission
from ..resources import parse_id
from .i18n import translator
from .registry import Column, DateFilter, Filter, ModelAdmin
from .tickets import event_details

KINDS = ("created", "edited", "assigned", "status_changed", "cancelled", "commented")


def kind_choices(request: Request) -> list[tuple[str, str]]:
    _ = translator(request)
    return [(kind, _(kind)) for kind in KINDS]


def actor_name(request: Request, event: TicketEvent) -> str | None:
    return event.actor.username if event.actor else None


def kind_label(request: Request, event: TicketEvent) -> str:
    return translator(request)(event.kind)


def transition(request: Request, event: TicketEvent) -> str | None:
    if not event.to_status:
        return None
    _ = translator(request)
    return f"{_(event.from_status) if event.from_status else '—'} → {_(event.to_status)}"


def details(request: Request, event: TicketEvent) -> str | None:
    lines = event_details(event, {}, translator(request))
    return "; ".join(lines) or None


def ticket_ref(request: Request, event: TicketEvent) -> str:
    return f"#{event.ticket_id}"


EVENTS = ModelAdmin(
    name="events",
    model=TicketEvent,
    label=N_("Events"),
    label_singular=N_("Event"),
    permission=Permission.EVENT_LIST,
    title=lambda event: f"#{event.id} {event.kind}",
    columns=(
        Column("id", N_("ID"), sort="id", link=True),
        Column("created_at", N_("When"), sort="created_at", exact_time=True),
        Column("ticket_id", N_("Ticket"), display=ticket_ref, sort="ticket"),
        Column(
            "actor",
            N_("Who"),
            display=actor_name,
            sort="actor",
            export=lambda e: e.actor and e.actor.username,
        ),
        Column("kind", N_("What"), display=kind_label, sort="kind"),
        Column("transition", N_("Status"), display=transition, export=lambda e: e.to_status),
        Column("details", N_("Details"), display=details, export=lambda e: e.data),
    ),
    filters=(
        Filter(
            "actor_id",
            N_("Who (user id)"),
            TicketEvent.actor_id,
            None,
            convert=parse_id,
            lookup="users",
        ),
        Filter("kind", N_("What"), TicketEvent.kind, kind_choices),
        Filter("ticket_id", N_("Ticket (id)"), TicketEvent.ticket_id, None, convert=parse_id),
    ),
    date_filters=(DateFilter("created", N_("When"), TicketEvent.created_at),),
    orderings={
        "id": (TicketEvent.id,),
        "created_at": (TicketEvent.created_at, TicketEvent.id),
        # Each on the index of its filter: the events of one ticket, actor or kind together.
        "ticket": (TicketEvent.ticket_id, TicketEvent.id),
        "actor": (TicketEvent.actor_id, TicketEvent.id),
        "kind": (TicketEvent.kind, TicketEvent.id),
    },
    # Newest first by time, not id: with a date range it is that range of the
    # (created_at, id) index, where "-id" walks the primary key through every later event.
    default_ordering="-created_at",
    readonly_fields=(
        Column("id", N_("ID")),
        Column("created_at", N_("When")),
        Column("ticket_id", N_("Ticket")),
        Column("actor", N_("Who"), display=actor_name),
        Column("kind", N_("What"), display=kind_label),
        Column("transition", N_("Status"), display=transition),
        Column("details", N_("Details"), display=details),
    ),
)
