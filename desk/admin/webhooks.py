"""The webhooks' admin: subscriptions listed, added and edited; the secret rotated, a ping sent.

The same rules as ``/api/webhooks/``: the URL is checked against the SSRF rule on save,
and the secret is shown only when it is made (on rotation: add one, then rotate to see it).
"""

import colander
from pyramid.request import Request

from ..exceptions import InvalidInput
from ..i18n import N_, _
from ..models import EVENT_KINDS, Webhook, utcnow
from ..notifications.subscriptions import check_target, enqueue_ping
from ..notifications.webhooks import new_secret
from ..permissions import Permission
from ..schemas import text
from .i18n import translator
from .registry import Column, ModelAdmin, RowAction


def kinds_label(request: Request, webhook: Webhook) -> str:
    return " ".join(webhook.event_kinds)


def _kinds(value: str) -> list[str]:
    kinds = list(dict.fromkeys(value.split()))
    unknown = [kind for kind in kinds if kind not in EVENT_KINDS]
    if unknown or not kinds:
        raise InvalidInput(
            "kinds", _("Known kinds: ${kinds}.", mapping={"kinds": ", ".join(EVENT_KINDS)})
        )
    return kinds


class WebhookEditForm(colander.MappingSchema):
    url = text(strip=True, title=N_("URL"), validator=colander.Length(min=1, max=2000))
    description = text(title=N_("Description"), missing="", validator=colander.Length(max=500))
    active = colander.SchemaNode(colander.Boolean(), title=N_("Active"), missing=False)
    include_internal = colander.SchemaNode(
        colander.Boolean(), title=N_("Internal notes"), missing=False
    )


class WebhookCreateForm(WebhookEditForm):
    kinds = text(
        title=N_("Event kinds"),
        help=N_(
            "Separated by spaces: created edited assigned status_changed cancelled commented "
            "attachment_added attachment_removed sla_warning sla_breached"
        ),
    )


def save_webhook(request: Request, webhook: Webhook, values: dict) -> str:
    check_target(request.registry, values["url"])
    for field, value in values.items():
        setattr(webhook, field, value)
    webhook.updated_at = utcnow()
    return translator(request)("Webhook saved.")


def create_webhook(request: Request, values: dict) -> Webhook:
    kinds = _kinds(values.pop("kinds"))
    check_target(request.registry, values["url"])
    now = utcnow()
    webhook = Webhook(
        **values, event_kinds=kinds, secret=new_secret(), created_at=now, updated_at=now
    )
    request.dbsession.add(webhook)
    request.dbsession.flush()
    return webhook


class NoFields(colander.MappingSchema):
    pass


def rotate(request: Request, webhook: Webhook, values: dict) -> str:
    webhook.secret, webhook.updated_at = new_secret(), utcnow()
    return translator(request)("New secret (shown once): ${secret}", secret=webhook.secret)


def ping(request: Request, webhook: Webhook, values: dict) -> None:
    enqueue_ping(request.dbsession, request.registry, webhook.id, utcnow())


WEBHOOKS = ModelAdmin(
    name="webhooks",
    model=Webhook,
    label=N_("Webhooks"),
    label_singular=N_("Webhook"),
    permission=Permission.WEBHOOK_ADMIN,
    title=lambda webhook: webhook.url,
    columns=(
        Column("url", N_("URL"), link=True),
        Column("event_kinds", N_("Event kinds"), display=kinds_label),
        Column("active", N_("Active")),
        Column("include_internal", N_("Internal notes")),
        Column("created_at", N_("Created"), sort="id"),
    ),
    search_fields=(Webhook.url, Webhook.description),
    orderings={"id": (Webhook.id,)},
    default_ordering="-id",
    readonly_fields=(
        Column("id", N_("ID")),
        Column("event_kinds", N_("Event kinds"), display=kinds_label),
    ),
    edit_schema=WebhookEditForm,
    save=save_webhook,
    create_schema=WebhookCreateForm,
    create=create_webhook,
    actions=(
        RowAction(
            "rotate",
            N_("Rotate secret"),
            NoFields,
            rotate,
            done=N_("New secret made."),
            intro=N_("The old secret stops working at once; the new one is shown once."),
        ),
        RowAction("ping", N_("Send ping"), NoFields, ping, done=N_("Ping queued.")),
    ),
)
