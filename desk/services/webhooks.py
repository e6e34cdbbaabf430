"""``/api/webhooks/``: superusers subscribe URLs to events and read every delivery attempt."""

from pyramid.httpexceptions import HTTPNoContent, HTTPNotFound
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import schemas
from .. import webhook_schemas as ws
from ..api import Service, responses
from ..models import Delivery, Webhook, utcnow
from ..notifications import queue
from ..notifications.config import registry_config
from ..notifications.subscriptions import check_target, enqueue_ping
from ..notifications.webhooks import new_secret
from ..pagination import Ordering
from ..permissions import Permission
from ..representations import iso
from ..resources import webhook_factory
from .paging import page

TAGS = ["webhooks"]
NEWEST_FIRST = Ordering("-id", (Webhook.id,), True)
DELIVERIES_NEWEST_FIRST = Ordering("-id", (Delivery.id,), True)


def _service(name: str, path: str, description: str, item: bool = True) -> Service:
    traverse = {"traverse": "/{id}"} if item else {}
    return Service(
        name=name, path=path, description=description, factory=webhook_factory, **traverse
    )


webhooks = _service("webhooks", "/api/webhooks/", "Webhook subscriptions", item=False)
webhook = _service("webhook", "/api/webhooks/{id}/", "One subscription")
rotate = _service("webhook_rotate", "/api/webhooks/{id}/rotate-secret/", "A new secret")
ping = _service("webhook_ping", "/api/webhooks/{id}/ping/", "Send a test event")
deliveries = _service(
    "webhook_deliveries", "/api/webhooks/{id}/deliveries/", "Every delivery and its attempts"
)
redeliver = _service(
    "webhook_redeliver",
    "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver/",
    "Send a delivery again",
)
SERVICES = (webhooks, webhook, rotate, ping, deliveries, redeliver)


def webhook_json(row: Webhook) -> dict:
    return {
        "id": row.id,
        "url": row.url,
        "description": row.description,
        "event_kinds": list(row.event_kinds),
        "active": row.active,
        "include_internal": row.include_internal,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def delivery_json(row: Delivery, attempts: list | None = None) -> dict:
    """A delivery with its attempts (``row.attempt_log``, loaded with it, unless given)."""
    attempts = row.attempt_log if attempts is None else attempts
    return {
        "id": row.id,
        "message_id": row.message_id,
        "event_id": row.event_id,
        "type": row.payload.get("type", ""),
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": iso(row.next_attempt_at),
        "give_up_at": iso(row.give_up_at),
        "last_error": row.last_error,
        "created_at": iso(row.created_at),
        "completed_at": iso(row.completed_at),
        "attempt_log": [
            {
                "started_at": iso(attempt.started_at),
                "duration_ms": attempt.duration_ms,
                "http_status": attempt.http_status,
                "error": attempt.error,
                "response_body": attempt.response_body,
                "succeeded": attempt.succeeded,
            }
            for attempt in attempts
        ],
    }


@webhooks.get(
    schema=schemas.request_schema(querystring=ws.WebhookListQuery),
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: schemas.page_of(ws.WebhookOut, "WebhookPage")}),
)
def list_webhooks(request):
    """Every subscription, newest first, `?active=` to filter; secrets are never shown again."""
    query = select(Webhook)
    active = request.validated.get("querystring", {}).get("active")
    if active is not None:
        query = query.where(Webhook.active.is_(active))
    return page(request, query, NEWEST_FIRST, lambda rows: list(map(webhook_json, rows)))


@webhooks.post(
    schema=schemas.request_schema(ws.WebhookCreateBody),
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({201: ws.WebhookCreatedOut()}),
)
def create_webhook(request):
    """Subscribe a URL to event kinds; the answer carries the signing secret, this once."""
    values = dict(request.validated["body"])
    check_target(request.registry, values["url"])
    now = utcnow()
    row = Webhook(**values, secret=new_secret(), created_at=now, updated_at=now)
    request.dbsession.add(row)
    request.dbsession.flush()
    request.response.status = 201
    request.response.location = request.route_url("webhook", id=row.id)
    return {**webhook_json(row), "secret": row.secret}


@webhook.get(
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: ws.WebhookOut()}, 404),
)
def get_webhook(request):
    """One subscription, without its secret."""
    return webhook_json(request.context.webhook)


@webhook.patch(
    schema=schemas.request_schema(ws.WebhookPatchBody),
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: ws.WebhookOut()}, 404),
)
def patch_webhook(request):
    """Change the URL, kinds, active flag, internal notes or description."""
    row = request.context.webhook
    values = dict(request.validated["body"])
    if "url" in values:
        check_target(request.registry, values["url"])
    for field, value in values.items():
        setattr(row, field, value)
    row.updated_at = utcnow()
    return webhook_json(row)


@webhook.delete(
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({204: None}, 404),
)
def delete_webhook(request):
    """Remove the subscription and its delivery log; nothing more is sent to it."""
    request.dbsession.delete(request.context.webhook)
    return HTTPNoContent()


@rotate.post(
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: ws.SecretOut()}, 404),
)
def rotate_webhook_secret(request):
    """A new signing secret, effective for every attempt from now on; shown this once."""
    row = request.context.webhook
    row.secret, row.updated_at = new_secret(), utcnow()
    return {"secret": row.secret}


@ping.post(
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({202: ws.DeliveryOut()}, 404),
)
def ping_webhook(request):
    """Queue a signed `ping` event to the URL; its delivery shows up in the log."""
    row, now = request.context.webhook, utcnow()
    delivery = enqueue_ping(request.dbsession, request.registry, row.id, now)
    request.dbsession.flush()
    request.response.status = 202
    return delivery_json(delivery, attempts=[])


@deliveries.get(
    schema=schemas.request_schema(querystring=ws.DeliveryListQuery),
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: schemas.page_of(ws.DeliveryOut, "DeliveryPage")}, 404),
)
def list_webhook_deliveries(request):
    """The subscription's deliveries, newest first, each with every attempt."""
    params = request.validated.get("querystring", {})
    query = (
        select(Delivery)
        .where(Delivery.webhook_id == request.context.webhook.id)
        .options(selectinload(Delivery.attempt_log))
    )
    if params.get("status"):
        query = query.where(Delivery.status.in_(params["status"]))
    return page(
        request, query, DELIVERIES_NEWEST_FIRST, lambda rows: list(map(delivery_json, rows))
    )


@redeliver.post(
    permission=Permission.WEBHOOK_ADMIN,
    tags=TAGS,
    response_schemas=responses({202: ws.DeliveryOut()}, 404, 409),
)
def redeliver_webhook_delivery(request):
    """Send a past delivery again (same webhook-id), now, with a fresh retry window."""
    delivery_id = request.matchdict["delivery_id"]
    found = None
    if delivery_id.isascii() and delivery_id.isdigit() and len(delivery_id) < 10:
        found = request.dbsession.scalars(
            select(Delivery)
            .where(
                Delivery.id == int(delivery_id),
                Delivery.webhook_id == request.context.webhook.id,
            )
            .options(selectinload(Delivery.attempt_log))
            .with_for_update(of=Delivery)
        ).first()
    if found is None:
        raise HTTPNotFound()
    queue.redeliver(found, registry_config(request.registry).worker, utcnow())
    request.response.status = 202
    return delivery_json(found)
