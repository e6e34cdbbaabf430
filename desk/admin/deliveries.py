"""The delivery queue in the admin: what the workers sent, are sending, or gave up on.

Read-only: a delivery changes only through the workers (``desk.worker``). The list filters
by webhook (its ``(webhook_id, id)`` index), status (``(status, id)``, migration 0010) and
channel.
"""

from pyramid.request import Request

from ..i18n import N_
from ..models import Delivery
from ..models.notifications import CHANNELS, DELIVERY_STATUSES
from ..permissions import Permission
from ..resources import parse_id
from .i18n import translator
from .registry import Column, Filter, ModelAdmin


def codes(values: tuple[str, ...]):
    def choices(request: Request) -> list[tuple[str, str]]:
        _ = translator(request)
        return [(value, _(value)) for value in values]

    return choices


def status_label(request: Request, delivery: Delivery) -> str:
    return translator(request)(delivery.status)


def webhook_ref(request: Request, delivery: Delivery) -> str | None:
    return f"#{delivery.webhook_id}" if delivery.webhook_id else None


COLUMNS = (
    Column("id", N_("ID"), sort="id", link=True),
    Column("channel", N_("Channel")),
    Column("webhook_id", N_("Webhook"), display=webhook_ref),
    Column("status", N_("Status"), display=status_label),
    Column("attempts", N_("Attempts")),
    Column("next_attempt_at", N_("Next attempt")),
    Column("last_error", N_("Last error")),
    Column("created_at", N_("Created"), sort="id"),
)

DELIVERIES = ModelAdmin(
    name="deliveries",
    model=Delivery,
    label=N_("Deliveries"),
    label_singular=N_("Delivery"),
    permission=Permission.WEBHOOK_ADMIN,
    title=lambda delivery: f"#{delivery.id} {delivery.message_id}",
    columns=COLUMNS,
    filters=(
        Filter("webhook_id", N_("Webhook"), Delivery.webhook_id, None, convert=parse_id),
        Filter("status", N_("Status"), Delivery.status, codes(DELIVERY_STATUSES)),
        Filter("channel", N_("Channel"), Delivery.channel, codes(CHANNELS)),
    ),
    orderings={"id": (Delivery.id,)},
    default_ordering="-id",
    readonly_fields=(
        *COLUMNS,
        Column("message_id", N_("Message id")),
        Column("event_id", N_("Event")),
        Column("completed_at", N_("Completed at")),
        Column("give_up_at", N_("Last attempt by")),
    ),
)
