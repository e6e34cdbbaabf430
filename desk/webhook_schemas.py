"""Colander schemas of ``/api/webhooks/``: subscriptions, secrets and the delivery log."""

import colander

from .models import EVENT_KINDS
from .models.notifications import DELIVERY_STATUSES
from .schemas import (
    Body,
    PageQuery,
    QueryBool,
    QueryChoices,
    StrictBool,
    Text,
    optional,
    out,
    query,
    text,
)


class EventKinds(colander.SchemaType):
    """A non-empty JSON list of event kinds, each one Desk knows (``EVENT_KINDS``)."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, list) or not cstruct:
            raise colander.Invalid(node, "Must be a non-empty list of event kinds.")
        unknown = [kind for kind in cstruct if not isinstance(kind, str) or kind not in EVENT_KINDS]
        if unknown:
            raise colander.Invalid(
                node, f"Unknown event kind {unknown[0]!r}; known: {', '.join(EVENT_KINDS)}."
            )
        return list(dict.fromkeys(cstruct))


def url_node(**kw) -> colander.SchemaNode:
    return text(
        strip=True,
        validator=colander.Length(min=1, max=2000),
        description="http(s) URL without credentials; a public address unless allowed",
        **kw,
    )


def kinds_node(**kw) -> colander.SchemaNode:
    return colander.SchemaNode(EventKinds(), description=f"Any of: {', '.join(EVENT_KINDS)}", **kw)


def description_node(**kw) -> colander.SchemaNode:
    return colander.SchemaNode(Text(), validator=colander.Length(max=500), **kw)


class WebhookCreateBody(Body):
    url = url_node()
    event_kinds = kinds_node()
    active = colander.SchemaNode(StrictBool(), missing=True)
    include_internal = colander.SchemaNode(
        StrictBool(), missing=False, description="Also send internal notes"
    )
    description = description_node(missing="")


class WebhookPatchBody(Body):
    url = optional(url_node())
    event_kinds = optional(kinds_node())
    active = optional(colander.SchemaNode(StrictBool()))
    include_internal = optional(colander.SchemaNode(StrictBool()))
    description = optional(description_node())


class KindList(colander.SequenceSchema):
    kind = out(colander.String())


class WebhookOut(colander.MappingSchema):
    id = out(colander.Int())
    url = out(colander.String())
    description = out(colander.String())
    event_kinds = KindList()
    active = out(colander.Boolean())
    include_internal = out(colander.Boolean())
    created_at = out(colander.DateTime())
    updated_at = out(colander.DateTime())


class WebhookCreatedOut(WebhookOut):
    secret = out(colander.String(), description="whsec_...: shown now and never again")


class SecretOut(colander.MappingSchema):
    secret = out(colander.String(), description="The new whsec_... secret; the old one is void")


class AttemptOut(colander.MappingSchema):
    started_at = out(colander.DateTime())
    duration_ms = out(colander.Int())
    http_status = out(colander.Int(), missing=None)
    error = out(colander.String())
    response_body = out(colander.String(), description="The start of the receiver's answer")
    succeeded = out(colander.Boolean())


class AttemptList(colander.SequenceSchema):
    attempt = AttemptOut()


class DeliveryOut(colander.MappingSchema):
    id = out(colander.Int())
    message_id = out(colander.String(), description="The webhook-id header")
    event_id = out(colander.Int(), missing=None, description="null for a ping")
    type = out(colander.String())
    status = out(colander.String(), validator=colander.OneOf(list(DELIVERY_STATUSES)))
    attempts = out(colander.Int())
    next_attempt_at = out(colander.DateTime())
    give_up_at = out(colander.DateTime())
    last_error = out(colander.String())
    created_at = out(colander.DateTime())
    completed_at = out(colander.DateTime(), missing=None)
    attempt_log = AttemptList()


class WebhookListQuery(PageQuery):
    active = query(QueryBool(), "true or false")


class DeliveryListQuery(PageQuery):
    status = query(QueryChoices(DELIVERY_STATUSES), "Repeatable or comma-separated")
