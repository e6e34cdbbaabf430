"""The REST endpoints: Cornice services that translate HTTP and nothing else.

A view's name is its operation id in the spec (a generated client's method name), and its
docstring, in Markdown, the operation's summary (first paragraph) and description.

Added in this order on purpose: fixed paths such as ``/api/tickets/my-tickets/`` must be
registered before ``/api/tickets/{id}/`` would swallow them.
"""

from . import attachments, auth, bulk, docs, events, health, reports, tickets, users, webhooks

MODULES = (health, docs, auth, bulk, tickets, attachments, events, users, webhooks, reports)


def includeme(config) -> None:
    for module in MODULES:
        for service in module.SERVICES:
            config.add_cornice_service(service)
