"""What the API and the admin both do to a webhook subscription: check its URL, ping it."""

import secrets
from datetime import datetime

from pyramid.registry import Registry
from sqlalchemy.orm import Session

from ..exceptions import InvalidInput
from ..models import Delivery
from . import payloads, queue
from .config import registry_config
from .webhooks import TargetRefused, validate_target


def check_target(registry: Registry, url: str) -> None:
    """InvalidInput (a 400 naming ``url``) unless ``url`` may receive webhooks here."""
    try:
        validate_target(url, registry_config(registry).webhooks.allow_private)
    except TargetRefused as error:
        raise InvalidInput("url", error.message) from error


def enqueue_ping(
    dbsession: Session, registry: Registry, webhook_id: int, now: datetime
) -> Delivery:
    """A signed ``ping`` delivery to the subscription, due now."""
    return queue.enqueue(
        dbsession,
        registry_config(registry).worker,
        now,
        "webhook",
        message_id=f"msg_ping_{secrets.token_hex(8)}",
        webhook_id=webhook_id,
        payload={"type": "ping", "body": payloads.ping_body(webhook_id, now)},
    )
