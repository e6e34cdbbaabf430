"""Traversal resources and their ACLs: the one place where roles become permissions.

A route's factory returns a container; traversal turns ``{id}`` into a resource for one
row. Each resource's ``__acl__`` is read first, then its parents', so the root's grant to
superusers reaches every ticket and user.
"""

from pyramid.authorization import Allow, Authenticated
from sqlalchemy.orm import Session, lazyload

from .models import Role, Ticket, User
from .permissions import SUPERUSERS, Permission, role_principal, user_principal

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
        (Allow, SUPERUSERS, (*OPERATOR_PERMISSIONS, Permission.USER_ADMIN, Permission.ADMIN)),
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
    """``/api/tickets/``: who may file tickets and which list each role reads."""

    __name__ = "tickets"
    __acl__ = (
        (Allow, REQUESTER, (Permission.TICKET_CREATE, Permission.TICKET_LIST_OWN)),
        (Allow, EXECUTOR, (Permission.TICKET_LIST_ASSIGNED, Permission.TICKET_INTERNAL_NOTES)),
        (Allow, OPERATOR, (*OPERATOR_TICKET_PERMISSIONS, Permission.EVENT_LIST)),
    )

    def __getitem__(self, segment: str) -> "TicketResource":
        ticket_id = parse_id(segment)
        if self.request.method in ("GET", "HEAD"):
            ticket = self.dbsession.get(Ticket, ticket_id)
        else:
            # Writers on one ticket queue up here, so each sees the last one's result. The
            # people are loaded after the lock: a joined row would be the one read before
            # the wait (PostgreSQL re-reads only the locked row), naming a stale executor.
            ticket = self.dbsession.get(
                Ticket,
                ticket_id,
                with_for_update={"of": Ticket},
                options=[lazyload(Ticket.requester), lazyload(Ticket.executor)],
            )
        if ticket is None:
            raise KeyError(segment)
        return TicketResource(ticket, parent=self)


class TicketResource:
    """One ticket; its requester and executor hold permissions on it by name."""

    def __init__(self, ticket: Ticket, parent: TicketContainer):
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


class ReportContainer(Container):
    """``/api/reports/``: figures across all tickets, for operators."""

    __name__ = "reports"
    __acl__ = ((Allow, OPERATOR, Permission.REPORT_SLA),)


def report_factory(request) -> ReportContainer:
    return ReportContainer(request)


def root_factory(request) -> Root:
    return Root(request)


def ticket_factory(request) -> TicketContainer:
    return TicketContainer(request)


def user_factory(request) -> UserContainer:
    return UserContainer(request)
