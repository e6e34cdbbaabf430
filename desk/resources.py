"""Traversal resources and their ACLs: the one place where roles become permissions.

A route's factory returns a container; traversal turns ``{id}`` into a resource for one
row. Each resource's ``__acl__`` is read first, then its parents', so the root's grant to
superusers reaches every ticket and user.
"""

from pyramid.authorization import Allow, Authenticated
from sqlalchemy import Row
from sqlalchemy.orm import Session

from .models import SAFE_METHODS, Attachment, Role, Ticket, User, Webhook
from .permissions import SUPERUSERS, Permission, role_principal, user_principal
from .queries import TICKET_ROW

OPERATOR = role_principal(Role.OPERATOR)
REQUESTER = role_principal(Role.REQUESTER)
EXECUTOR = role_principal(Role.EXECUTOR)

#: What an operator may do to any ticket.
OPERATOR_TICKET_PERMISSIONS = (
    Permission.TICKET_LIST_ALL,
    Permission.TICKET_VIEW,
    Permission.TICKET_ASSIGN,
    Permission.TICKET_CANCEL,
    Permission.TICKET_CANCEL_STARTED,
    Permission.TICKET_COMMENT,
    Permission.TICKET_INTERNAL_NOTES,
    Permission.ATTACHMENT_VIEW,
    Permission.ATTACHMENT_REMOVE_ANY,
    Permission.TICKET_WAIT,
)
OPERATOR_PERMISSIONS = (
    *OPERATOR_TICKET_PERMISSIONS,
    Permission.EVENT_LIST,
    Permission.USER_LIST,
    Permission.REPORT_SLA,
)

# Largest id PostgreSQL's integer column holds; beyond it a path id cannot name a row.
MAX_ID = 2**31 - 1


def parse_id(segment: str) -> int:
    """A path segment as a row id, or KeyError (404) for anything that cannot be one."""
    if not segment.isascii() or not segment.isdigit():
        raise KeyError(segment)
    value = int(segment)
    if not 0 < value <= MAX_ID:
        raise KeyError(segment)
    return value


class Root:
    """The top of every lineage; grants superusers everything an operator may, and more."""

    __name__ = ""
    __parent__ = None
    __acl__ = (
        (
            Allow,
            SUPERUSERS,
            (
                *OPERATOR_PERMISSIONS,
                Permission.USER_ADMIN,
                Permission.ADMIN,
                Permission.WEBHOOK_ADMIN,
            ),
        ),
        (Allow, Authenticated, Permission.PROFILE),
    )

    def __init__(self, request):
        self.request = request


class Container:
    """A collection whose items are rows looked up by integer id."""

    __name__: str

    def __init__(self, request, parent: Root | None = None):
        self.request = request
        self.__parent__ = parent or Root(request)

    @property
    def dbsession(self) -> Session:
        return self.request.dbsession


class TicketContainer(Container):
    """``/api/tickets/``: who may file tickets and which list each role reads.

    With ``rows``, a ticket is read as a Core row (``desk.queries.TICKET_ROW``: its columns
    and its people's usernames), for requests that change nothing; else as the ORM
    ``Ticket`` that a write changes.
    """

    __name__ = "tickets"
    __acl__ = (
        (Allow, REQUESTER, (Permission.TICKET_CREATE, Permission.TICKET_LIST_OWN)),
        (Allow, EXECUTOR, (Permission.TICKET_LIST_ASSIGNED, Permission.TICKET_INTERNAL_NOTES)),
        (Allow, OPERATOR, (*OPERATOR_TICKET_PERMISSIONS, Permission.EVENT_LIST)),
    )

    def __init__(self, request, parent: Root | None = None, rows: bool = False):
        super().__init__(request, parent)
        self.rows = rows

    def __getitem__(self, segment: str) -> "TicketResource":
        # A plain read, for every method: the ACL runs on it before anything is locked, so
        # a refused or anonymous write never queues behind, nor holds up, the ticket's
        # writers. A view that changes the ticket locks it then (``workflow.lock_ticket``).
        ticket_id = parse_id(segment)
        if self.rows:
            # The session's connection: the ORM adds nothing to one row of values.
            connection = self.dbsession.connection()
            ticket = connection.execute(TICKET_ROW, {"id": ticket_id}).first()
        else:
            ticket = self.dbsession.get(Ticket, ticket_id)
        if ticket is None:
            raise KeyError(segment)
        return TicketResource(ticket, parent=self)


class TicketResource:
    """One ticket (an ORM ``Ticket``, or a row with its columns); its requester and
    executor hold permissions on it by name."""

    def __init__(self, ticket: Ticket | Row, parent: TicketContainer):
        self.ticket = ticket
        self.__name__ = str(ticket.id)
        self.__parent__ = parent

    @property
    def __acl__(self) -> list:
        acl = [
            (
                Allow,
                user_principal(self.ticket.requester_id),
                (
                    Permission.TICKET_VIEW,
                    Permission.TICKET_EDIT,
                    Permission.TICKET_CANCEL,
                    Permission.TICKET_COMMENT,
                ),
            )
        ]
        if self.ticket.executor_id is not None:
            acl.append(
                (
                    Allow,
                    user_principal(self.ticket.executor_id),
                    (
                        Permission.TICKET_VIEW,
                        Permission.TICKET_EXECUTE,
                        Permission.TICKET_COMMENT,
                        Permission.TICKET_WAIT,
                    ),
                )
            )
        return acl


class UserContainer(Container):
    """``/api/users/``: operators list people (to pick executors); superusers manage them."""

    __name__ = "users"
    __acl__ = ((Allow, OPERATOR, Permission.USER_LIST),)

    def __getitem__(self, segment: str) -> "UserResource":
        user = self.dbsession.get(User, parse_id(segment))
        if user is None:
            raise KeyError(segment)
        return UserResource(user, parent=self)


class UserResource:
    def __init__(self, user: User, parent: UserContainer):
        self.user = user
        self.__name__ = str(user.id)
        self.__parent__ = parent


class WebhookContainer(Container):
    """``/api/webhooks/``: subscriptions, managed by superusers (the root's grant)."""

    __name__ = "webhooks"

    def __getitem__(self, segment: str) -> "WebhookResource":
        webhook = self.dbsession.get(Webhook, parse_id(segment))
        if webhook is None:
            raise KeyError(segment)
        return WebhookResource(webhook, parent=self)


class WebhookResource:
    def __init__(self, webhook: Webhook, parent: WebhookContainer):
        self.webhook = webhook
        self.__name__ = str(webhook.id)
        self.__parent__ = parent


class AttachmentContainer(Container):
    """``/api/attachments/``: a file by id, placed under its ticket so that the ticket's
    lineage (its container's role grants, the root's superusers) applies to it too."""

    __name__ = "attachments"

    def __getitem__(self, segment: str) -> "AttachmentResource":
        attachment = self.dbsession.get(Attachment, parse_id(segment))
        if attachment is None:
            raise KeyError(segment)
        ticket = self.dbsession.get(Ticket, attachment.ticket_id)
        tickets = TicketContainer(self.request, parent=self.__parent__)
        return AttachmentResource(attachment, TicketResource(ticket, parent=tickets))


class AttachmentResource:
    """One file. Who sees its ticket sees it, except that a file on an internal note is
    not its requester's; its uploader may remove it (while the ticket is open: workflow)."""

    def __init__(self, attachment: Attachment, parent: TicketResource):
        self.attachment = attachment
        self.__name__ = str(attachment.id)
        self.__parent__ = parent

    @property
    def ticket(self) -> Ticket:
        return self.__parent__.ticket

    @property
    def __acl__(self) -> list:
        ticket = self.ticket
        viewers = [ticket.executor_id]
        if not self.attachment.internal:
            viewers.append(ticket.requester_id)
        acl = [
            (Allow, user_principal(viewer), Permission.ATTACHMENT_VIEW)
            for viewer in viewers
            if viewer is not None
        ]
        acl.append(
            (Allow, user_principal(self.attachment.uploader_id), Permission.ATTACHMENT_REMOVE_OWN)
        )
        return acl


class ReportContainer(Container):
    """``/api/reports/``: figures across all tickets, for operators."""

    __name__ = "reports"
    __acl__ = ((Allow, OPERATOR, Permission.REPORT_SLA),)


def report_factory(request) -> ReportContainer:
    return ReportContainer(request)


def root_factory(request) -> Root:
    return Root(request)


def ticket_factory(request) -> TicketContainer:
    """The API's tickets; a request that changes nothing reads them as rows."""
    return TicketContainer(request, rows=request.method in SAFE_METHODS)


def user_factory(request) -> UserContainer:
    return UserContainer(request)


def webhook_factory(request) -> WebhookContainer:
    return WebhookContainer(request)


def attachment_factory(request) -> AttachmentContainer:
    return AttachmentContainer(request)
