"""Every permission Desk knows, used by the resources' ACLs and the views alike."""

from enum import StrEnum


class Permission(StrEnum):
    PROFILE = "profile"

    TICKET_CREATE = "ticket:create"
    TICKET_LIST_OWN = "ticket:list-own"
    TICKET_LIST_ALL = "ticket:list-all"
    TICKET_LIST_ASSIGNED = "ticket:list-assigned"

    TICKET_VIEW = "ticket:view"
    TICKET_EDIT = "ticket:edit"
    TICKET_ASSIGN = "ticket:assign"
    TICKET_EXECUTE = "ticket:execute"
    TICKET_CANCEL = "ticket:cancel"
    # Cancelling work already in progress is an operator's call, not the requester's.
    TICKET_CANCEL_STARTED = "ticket:cancel-started"
    TICKET_COMMENT = "ticket:comment"
    # Ask the requester a question (WAITING) and take the ticket back up: its executor, operators.
    TICKET_WAIT = "ticket:wait"
    TICKET_INTERNAL_NOTES = "ticket:internal-notes"

    # Files on tickets: seeing one (its ticket's viewers; an internal file, not its requester),
    # removing one's own while the ticket is open, removing any.
    ATTACHMENT_VIEW = "attachment:view"
    ATTACHMENT_REMOVE_OWN = "attachment:remove-own"
    ATTACHMENT_REMOVE_ANY = "attachment:remove-any"

    EVENT_LIST = "event:list"
    # The service-level report (desk.sla): operators.
    REPORT_SLA = "report:sla"
    USER_LIST = "user:list"
    USER_ADMIN = "user:admin"
    # Webhook subscriptions and their delivery logs (superusers).
    WEBHOOK_ADMIN = "webhook:admin"

    # The admin web UI at /admin/: its dashboard and ticket pages (superusers).
    ADMIN = "admin:access"


SUPERUSERS = "group:superusers"


def user_principal(user_id: int) -> str:
    return f"user:{user_id}"


def role_principal(role: str) -> str:
    return f"role:{role}"
