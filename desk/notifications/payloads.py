"""What a webhook carries: the event, and the ticket as an operator sees it through the API."""

import json

from pyramid.authorization import ACLHelper, Authenticated, Everyone

from ..models import Comment, Role, Ticket, TicketEvent
from ..permissions import role_principal
from ..representations import comment_json, event_json, iso, ticket_json
from ..resources import TicketContainer, TicketResource


class OperatorView:
    """Just enough of a request for the representations: an operator's permissions.

    ``allowed_actions`` in the body is then what an operator could do, computed by the same
    ACLs as the API's; no user is named, so no one's own grants leak in.
    """

    principals = (Everyone, Authenticated, role_principal(Role.OPERATOR))

    def __init__(self):
        self._acl = ACLHelper()

    def has_permission(self, permission, context=None) -> bool:
        return bool(self._acl.permits(context, self.principals, permission))


def event_type(kind: str) -> str:
    return f"ticket.{kind}"


def webhook_body(event: TicketEvent, ticket: Ticket, comment: Comment | None) -> str:
    """The JSON text that is signed and sent: ``{type, timestamp, data}`` as the spec suggests."""
    view = OperatorView()
    resource = TicketResource(ticket, TicketContainer(view))
    data = {"event": event_json(event), "ticket": ticket_json(view, resource)}
    if comment is not None:
        data["comment"] = comment_json(comment)
    return json.dumps(
        {"type": event_type(event.kind), "timestamp": iso(event.created_at), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def ping_body(webhook_id: int, now) -> str:
    return json.dumps(
        {"type": "ping", "timestamp": iso(now), "data": {"webhook_id": webhook_id}},
        separators=(",", ":"),
    )
