"""Who may call which route: every role against every route of the contract.

401 for the anonymous, 403 when the role may not use the route, 404 for a ticket the caller
may not see (no existence leak), 2xx (or 409 when the status forbids it) otherwise.
Each case builds its own users and, where the route is about one ticket, a fresh ticket.
"""

from dataclasses import dataclass

import pytest

from desk.models import Role, User

PROBLEM_JSON = "application/problem+json"


class World:
    """The people and the ticket of one case; each user is made the first time it is needed."""

    ROLES = {
        "requester": (Role.REQUESTER, False),
        "other_requester": (Role.REQUESTER, False),
        "operator": (Role.OPERATOR, False),
        "executor": (Role.EXECUTOR, False),
        "other_executor": (Role.EXECUTOR, False),
        "spare_executor": (Role.EXECUTOR, False),
        "superuser": (Role.OPERATOR, True),
    }

    def __init__(self, make):
        self.make = make
        self.users: dict[str, User] = {}
        self.ticket: dict | None = None

    def __getattr__(self, name: str) -> User:
        if name not in self.ROLES:
            raise AttributeError(name)
        if name not in self.users:
            role, superuser = self.ROLES[name]
            self.users[name] = self.make.user(role, superuser=superuser)
        return self.users[name]


def build(make, state: str | None) -> World:
    world = World(make)
    if state is not None:
        world.ticket = make.ticket(world.requester, description="Needs a new cartridge")
        if state in ("ASSIGNED", "WAITING"):
            world.ticket = make.assign(world.ticket, world.operator, world.executor)
        if state == "WAITING":
            world.ticket = make.testapp.post_json(
                f"/api/tickets/{world.ticket['id']}/wait/",
                {"comment": "Which cartridge?"},
                headers=make.headers(world.executor),
            ).json
        assert world.ticket["status"] == state
    return world


#: Caller names -> the world's user (None: anonymous).
CALLERS = {
    "anonymous": lambda w: None,
    "requester": lambda w: w.requester,
    "its requester": lambda w: w.requester,
    "another requester": lambda w: w.other_requester,
    "operator": lambda w: w.operator,
    "executor": lambda w: w.executor,
    "its executor": lambda w: w.executor,
    "another executor": lambda w: w.other_executor,
    "superuser": lambda w: w.superuser,
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # formatted with ticket=<id>, user=<id of the world's requester>
    state: str | None = None  # the ticket the route needs: None, "NEW", "ASSIGNED", "WAITING"
    body: object = None  # a dict, or a callable(world) -> dict

    def url(self, world: World) -> str:
        if "{user}" in self.path:
            return self.path.format(user=world.requester.id)
        return self.path.format(ticket=world.ticket["id"] if world.ticket else 0)

    def payload(self, world: World):
        return self.body(world) if callable(self.body) else self.body


ROUTES = {
    "GET profile": Route("GET", "/api/auth/profile/"),
    "PATCH profile": Route("PATCH", "/api/auth/profile/", body={"first_name": "Changed"}),
    "POST tickets": Route("POST", "/api/tickets/", body={"title": "Desk lamp flickers"}),
    "GET my-tickets": Route("GET", "/api/tickets/my-tickets/"),
    "GET all-tickets": Route("GET", "/api/tickets/all-tickets/"),
    "GET assigned-to-me": Route("GET", "/api/tickets/assigned-to-me/"),
    "GET events": Route("GET", "/api/events/"),
    "GET users": Route("GET", "/api/users/?role=EXECUTOR"),
    "GET user": Route("GET", "/api/users/{user}/"),
    "PATCH user": Route("PATCH", "/api/users/{user}/", body={"first_name": "Changed"}),
    "GET missing ticket": Route("GET", "/api/tickets/999999/"),
    "GET NEW ticket": Route("GET", "/api/tickets/{ticket}/", "NEW"),
    "GET ASSIGNED ticket": Route("GET", "/api/tickets/{ticket}/", "ASSIGNED"),
    "PATCH NEW ticket": Route("PATCH", "/api/tickets/{ticket}/", "NEW", {"title": "Edited"}),
    "PATCH ASSIGNED ticket": Route(
        "PATCH", "/api/tickets/{ticket}/", "ASSIGNED", {"title": "Edited"}
    ),
    "assign NEW": Route(
        "POST",
        "/api/tickets/{ticket}/assign/",
        "NEW",
        lambda w: {"executor_id": w.spare_executor.id},
    ),
    "reassign ASSIGNED": Route(
        "POST",
        "/api/tickets/{ticket}/assign/",
        "ASSIGNED",
        lambda w: {"executor_id": w.spare_executor.id},
    ),
    "execute NEW": Route("POST", "/api/tickets/{ticket}/execute/", "NEW", {"status": "DONE"}),
    "start ASSIGNED": Route(
        "POST", "/api/tickets/{ticket}/execute/", "ASSIGNED", {"status": "IN_PROGRESS"}
    ),
    "execute ASSIGNED": Route("POST", "/api/tickets/{ticket}/execute/", "ASSIGNED", {}),
    "cancel NEW": Route("POST", "/api/tickets/{ticket}/cancel/", "NEW", {"reason": "Not needed"}),
    "cancel ASSIGNED": Route("POST", "/api/tickets/{ticket}/cancel/", "ASSIGNED", {}),
    "wait NEW": Route("POST", "/api/tickets/{ticket}/wait/", "NEW", {"comment": "Which one?"}),
    "wait ASSIGNED": Route(
        "POST", "/api/tickets/{ticket}/wait/", "ASSIGNED", {"comment": "Which one?"}
    ),
    "resume WAITING": Route("POST", "/api/tickets/{ticket}/resume/", "WAITING", {}),
    "GET WAITING ticket": Route("GET", "/api/tickets/{ticket}/", "WAITING"),
    "GET sla report": Route("GET", "/api/reports/sla/"),
    "GET comments": Route("GET", "/api/tickets/{ticket}/comments/", "ASSIGNED"),
    "POST comment": Route(
        "POST", "/api/tickets/{ticket}/comments/", "ASSIGNED", {"body": "Any news?"}
    ),
    "GET history": Route("GET", "/api/tickets/{ticket}/history/", "ASSIGNED"),
}

GLOBAL = ("anonymous", "requester", "operator", "executor", "superuser")
#: A NEW ticket has no executor yet: every executor is "another executor".
ON_NEW = (
    "anonymous",
    "its requester",
    "another requester",
    "operator",
    "another executor",
    "superuser",
)
ON_ASSIGNED = (
    "anonymous",
    "its requester",
    "another requester",
    "operator",
    "its executor",
    "another executor",
    "superuser",
)

#: route -> the expected status for each caller, in the order of the caller tuple.
EXPECTED = {
    "GET profile": (GLOBAL, (401, 200, 200, 200, 200)),
    "PATCH profile": (GLOBAL, (401, 200, 200, 200, 200)),
    "POST tickets": (GLOBAL, (401, 201, 403, 403, 403)),
    "GET my-tickets": (GLOBAL, (401, 200, 403, 403, 403)),
    "GET all-tickets": (GLOBAL, (401, 403, 200, 403, 200)),
    "GET assigned-to-me": (GLOBAL, (401, 403, 403, 200, 403)),
    "GET events": (GLOBAL, (401, 403, 200, 403, 200)),
    "GET users": (GLOBAL, (401, 403, 200, 403, 200)),
    "GET sla report": (GLOBAL, (401, 403, 200, 403, 200)),
    "GET user": (GLOBAL, (401, 403, 403, 403, 200)),
    "PATCH user": (GLOBAL, (401, 403, 403, 403, 200)),
    "GET missing ticket": (GLOBAL, (401, 404, 404, 404, 404)),
    #                               anon  its  other  op  other-ex  super
    "GET NEW ticket": (ON_NEW, (401, 200, 404, 200, 404, 200)),
    "PATCH NEW ticket": (ON_NEW, (401, 200, 404, 403, 404, 403)),
    "assign NEW": (ON_NEW, (401, 403, 404, 200, 404, 200)),
    "execute NEW": (ON_NEW, (401, 403, 404, 403, 404, 403)),
    "cancel NEW": (ON_NEW, (401, 200, 404, 200, 404, 200)),
    "wait NEW": (ON_NEW, (401, 403, 404, 409, 404, 409)),
    #                                    anon  its  other  op  its-ex other-ex super
    "GET ASSIGNED ticket": (ON_ASSIGNED, (401, 200, 404, 200, 200, 404, 200)),
    "PATCH ASSIGNED ticket": (ON_ASSIGNED, (401, 409, 404, 403, 403, 404, 403)),
    "reassign ASSIGNED": (ON_ASSIGNED, (401, 403, 404, 200, 403, 404, 200)),
    "start ASSIGNED": (ON_ASSIGNED, (401, 403, 404, 403, 200, 404, 403)),
    "execute ASSIGNED": (ON_ASSIGNED, (401, 403, 404, 403, 200, 404, 403)),
    "cancel ASSIGNED": (ON_ASSIGNED, (401, 200, 404, 200, 403, 404, 200)),
    "wait ASSIGNED": (ON_ASSIGNED, (401, 403, 404, 200, 200, 404, 200)),
    "resume WAITING": (ON_ASSIGNED, (401, 403, 404, 200, 200, 404, 200)),
    "GET WAITING ticket": (ON_ASSIGNED, (401, 200, 404, 200, 200, 404, 200)),
    "GET comments": (ON_ASSIGNED, (401, 200, 404, 200, 200, 404, 200)),
    "POST comment": (ON_ASSIGNED, (401, 201, 404, 201, 201, 404, 201)),
    "GET history": (ON_ASSIGNED, (401, 200, 404, 200, 200, 404, 200)),
}
assert set(EXPECTED) == set(ROUTES)

CASES = [
    pytest.param(route, caller, status, id=f"{route} by {caller} -> {status}")
    for route, (callers, statuses) in EXPECTED.items()
    for caller, status in zip(callers, statuses, strict=True)
]


def call(testapp, method: str, url: str, body, headers: dict):
    if method == "GET":
        return testapp.get(url, headers=headers, status="*")
    send = {"POST": testapp.post_json, "PATCH": testapp.patch_json}[method]
    return send(url, body, headers=headers, status="*")


@pytest.mark.parametrize(("route_name", "caller", "expected"), CASES)
def test_access(testapp, make, route_name, caller, expected):
    route = ROUTES[route_name]
    world = build(make, route.state)
    user = CALLERS[caller](world)
    headers = make.headers(user) if user is not None else {}

    response = call(testapp, route.method, route.url(world), route.payload(world), headers)

    assert response.status_int == expected, response.text
    if expected >= 400:
        assert response.content_type == PROBLEM_JSON
        assert response.json["status"] == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if expected in (403, 404, 409) and world.ticket is not None:
        # A refused request changes nothing.
        after = testapp.get(
            f"/api/tickets/{world.ticket['id']}/", headers=make.headers(world.operator)
        ).json
        assert after["status"] == world.ticket["status"]
        assert after["title"] == world.ticket["title"]
        assert after["executor"] == world.ticket["executor"]
