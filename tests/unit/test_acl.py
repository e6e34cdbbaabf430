"""The resources' ACLs on their own: which principals hold which permission where.

No database and no request: tickets are built in memory and wrapped in the same resources
that traversal builds, and ``ACLHelper`` answers exactly as the security policy would.
"""

import pytest
from pyramid import testing
from pyramid.authorization import ACLHelper, Authenticated, Everyone

from desk.models import Ticket, User
from desk.permissions import SUPERUSERS, Permission, role_principal, user_principal
from desk.resources import Root, TicketContainer, TicketResource, UserContainer, UserResource
from desk.services.events import events as events_service
from desk.services.users import users as users_service

P = Permission
REQUESTER_ID, OTHER_REQUESTER_ID = 10, 11
EXECUTOR_ID, OTHER_EXECUTOR_ID = 20, 21
OPERATOR_ID, SUPERUSER_ID = 30, 40


def principals(user_id: int | None, role: str | None = None, superuser: bool = False) -> list:
    """The principals the security policy gives a caller (anonymous: ``user_id`` None)."""
    if user_id is None:
        return [Everyone]
    found = [Everyone, Authenticated, user_principal(user_id), role_principal(role)]
    if superuser:
        found.append(SUPERUSERS)
    return found


CALLERS = {
    "anonymous": principals(None),
    "its requester": principals(REQUESTER_ID, "REQUESTER"),
    "another requester": principals(OTHER_REQUESTER_ID, "REQUESTER"),
    "its executor": principals(EXECUTOR_ID, "EXECUTOR"),
    "another executor": principals(OTHER_EXECUTOR_ID, "EXECUTOR"),
    "operator": principals(OPERATOR_ID, "OPERATOR"),
    "superuser": principals(SUPERUSER_ID, "OPERATOR", superuser=True),
    "superuser requester": principals(SUPERUSER_ID, "REQUESTER", superuser=True),
}

OPERATOR_ON_TICKETS = {
    P.TICKET_LIST_ALL,
    P.TICKET_VIEW,
    P.TICKET_ASSIGN,
    P.TICKET_CANCEL,
    P.TICKET_CANCEL_STARTED,
    P.TICKET_COMMENT,
    P.TICKET_INTERNAL_NOTES,
}
SUPERUSER_EXTRA = {P.EVENT_LIST, P.USER_LIST, P.USER_ADMIN}


#: Permissions of the feeds (/api/events/, /api/users/): checked on their own contexts below,
#: whatever else a ticket happens to inherit them from.
FEEDS = {P.EVENT_LIST, P.USER_LIST}


#: The permissions these tests speak about (others, such as the admin UI's, are not the API's).
CHECKED = {
    P.PROFILE,
    P.TICKET_CREATE,
    P.TICKET_LIST_OWN,
    P.TICKET_LIST_ALL,
    P.TICKET_LIST_ASSIGNED,
    P.TICKET_VIEW,
    P.TICKET_EDIT,
    P.TICKET_ASSIGN,
    P.TICKET_EXECUTE,
    P.TICKET_CANCEL,
    P.TICKET_CANCEL_STARTED,
    P.TICKET_COMMENT,
    P.TICKET_INTERNAL_NOTES,
    P.EVENT_LIST,
    P.USER_LIST,
    P.USER_ADMIN,
}


def granted(context, caller: str) -> set:
    helper = ACLHelper()
    return {p for p in CHECKED if helper.permits(context, CALLERS[caller], p)}


def granted_on_tickets(context, caller: str) -> set:
    return granted(context, caller) - FEEDS


def ticket_resource(executor_id: int | None = EXECUTOR_ID, status: str = "ASSIGNED"):
    ticket = Ticket(
        id=1, title="t", status=status, requester_id=REQUESTER_ID, executor_id=executor_id
    )
    return TicketResource(ticket, TicketContainer(request=None))


TICKET_CASES = [
    ("anonymous", set()),
    (
        "its requester",
        {
            P.PROFILE,
            P.TICKET_CREATE,
            P.TICKET_LIST_OWN,
            P.TICKET_VIEW,
            P.TICKET_EDIT,
            P.TICKET_CANCEL,
            P.TICKET_COMMENT,
        },
    ),
    ("another requester", {P.PROFILE, P.TICKET_CREATE, P.TICKET_LIST_OWN}),
    (
        "its executor",
        {
            P.PROFILE,
            P.TICKET_LIST_ASSIGNED,
            P.TICKET_INTERNAL_NOTES,
            P.TICKET_VIEW,
            P.TICKET_EXECUTE,
            P.TICKET_COMMENT,
        },
    ),
    ("another executor", {P.PROFILE, P.TICKET_LIST_ASSIGNED, P.TICKET_INTERNAL_NOTES}),
    ("operator", {P.PROFILE, *OPERATOR_ON_TICKETS}),
    ("superuser", {P.PROFILE, *OPERATOR_ON_TICKETS, *SUPERUSER_EXTRA}),
    (
        "superuser requester",
        {P.PROFILE, P.TICKET_CREATE, P.TICKET_LIST_OWN, *OPERATOR_ON_TICKETS, *SUPERUSER_EXTRA},
    ),
]


@pytest.mark.parametrize(("caller", "expected"), TICKET_CASES, ids=[c for c, _ in TICKET_CASES])
def test_permissions_on_an_assigned_ticket(caller, expected):
    assert granted_on_tickets(ticket_resource(), caller) == expected - FEEDS


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("its executor", {P.PROFILE, P.TICKET_LIST_ASSIGNED, P.TICKET_INTERNAL_NOTES}),
        ("its requester", dict(TICKET_CASES)["its requester"]),
    ],
    ids=["executor-to-be", "its requester"],
)
def test_permissions_on_a_ticket_without_executor(caller, expected):
    resource = ticket_resource(executor_id=None, status="NEW")
    assert granted_on_tickets(resource, caller) == expected - FEEDS


@pytest.mark.parametrize("status", ["NEW", "ASSIGNED", "IN_PROGRESS", "DONE", "CANCELLED"])
def test_the_acl_does_not_depend_on_the_status(status):
    # What the status allows is the workflow's business, not the ACL's.
    resource = ticket_resource(status=status)
    for caller, expected in TICKET_CASES:
        assert granted_on_tickets(resource, caller) == expected - FEEDS, caller


def test_reassignment_moves_the_executor_permissions():
    resource = ticket_resource()
    resource.ticket.executor_id = OTHER_EXECUTOR_ID
    assert P.TICKET_VIEW in granted(resource, "another executor")
    assert P.TICKET_EXECUTE in granted(resource, "another executor")
    assert P.TICKET_VIEW not in granted(resource, "its executor")
    assert P.TICKET_EXECUTE not in granted(resource, "its executor")


@pytest.mark.parametrize("caller", ["superuser", "superuser requester"])
def test_superusers_hold_operator_permissions_through_the_root(caller):
    root = Root(request=None)
    assert granted(root, caller) >= {P.PROFILE, *OPERATOR_ON_TICKETS, *SUPERUSER_EXTRA}
    # ... but they are not anyone's executor, nor the requester of someone else's ticket.
    on_ticket = granted(ticket_resource(), caller)
    assert P.TICKET_EXECUTE not in on_ticket
    assert P.TICKET_EDIT not in on_ticket


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", set()),
        ("its requester", {P.PROFILE}),
        ("its executor", {P.PROFILE}),
        ("operator", {P.PROFILE}),
        ("superuser", {P.PROFILE, *OPERATOR_ON_TICKETS, *SUPERUSER_EXTRA}),
    ],
)
def test_permissions_on_the_root(caller, expected):
    assert granted(Root(request=None), caller) == expected


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("anonymous", set()),
        ("another requester", {P.PROFILE, P.TICKET_CREATE, P.TICKET_LIST_OWN}),
        ("another executor", {P.PROFILE, P.TICKET_LIST_ASSIGNED, P.TICKET_INTERNAL_NOTES}),
        ("operator", {P.PROFILE, *OPERATOR_ON_TICKETS}),
        ("superuser", {P.PROFILE, *OPERATOR_ON_TICKETS, *SUPERUSER_EXTRA}),
    ],
)
def test_permissions_on_the_ticket_container(caller, expected):
    """Who may file and which list each role reads; the event feed is tested on its own."""
    container = TicketContainer(request=None)
    assert granted_on_tickets(container, caller) == expected - FEEDS


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [
        ("anonymous", False),
        ("another requester", False),
        ("another executor", False),
        ("operator", True),
        ("superuser", True),
    ],
)
def test_event_feed_is_for_operators_and_superusers(caller, allowed):
    # The context /api/events/ checks its permission on, whatever factory it uses.
    context = events_service.factory(testing.DummyRequest())
    assert bool(ACLHelper().permits(context, CALLERS[caller], P.EVENT_LIST)) is allowed


@pytest.mark.parametrize(
    ("caller", "may_list", "may_administer"),
    [
        ("anonymous", False, False),
        ("another requester", False, False),
        ("another executor", False, False),
        ("operator", True, False),
        ("superuser", True, True),
    ],
)
def test_users_are_listed_by_operators_and_administered_by_superusers(
    caller, may_list, may_administer
):
    helper = ACLHelper()
    container = users_service.factory(None)
    assert isinstance(container, UserContainer)
    assert bool(helper.permits(container, CALLERS[caller], P.USER_LIST)) is may_list
    assert bool(helper.permits(container, CALLERS[caller], P.USER_ADMIN)) is may_administer
    # One user's resource adds nothing: the owner of an account does not administer it.
    account = UserResource(User(id=REQUESTER_ID, username="r"), parent=container)
    assert bool(helper.permits(account, CALLERS[caller], P.USER_ADMIN)) is may_administer
    assert not helper.permits(account, CALLERS["its requester"], P.USER_ADMIN)
