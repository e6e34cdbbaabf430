"""A path id that cannot name a row is a 404 on every route and method, before any query.

Ids are positive and fit PostgreSQL's INTEGER; anything else (letters, signs, decimals,
exponents, digits of other scripts, NUL, numbers past 2**31 - 1) is refused while the path
is traversed, so the database never sees it and never answers an error.
"""

import pytest

from .routes import all_routes

PROBLEM_JSON = "application/problem+json"
ITEM_ROUTES = [route for route in all_routes() if "{id}" in route.path]
SEGMENTS = [
    "abc",
    "0",
    "-1",
    "+1",
    "1.0",
    "1e3",
    "0x10",
    " 1",
    "%EF%BC%91",  # a fullwidth digit one
    "%D9%A1",  # an Arabic-Indic digit one
    "1%00",
    str(2**31),
    "9" * 30,
]


@pytest.mark.parametrize("route", ITEM_ROUTES, ids=lambda route: route.label)
def test_impossible_ids_are_404_without_a_query(scene, database_watch, route):
    failures = []
    for segment in SEGMENTS:
        before = len(database_watch.statements)
        response = scene.send(route, body=scene.body(route), segment=segment)
        # Authentication reads the caller's row; nothing else may be asked.
        asked = database_watch.statements[before:]
        if response.status_int != 404 or response.content_type != PROBLEM_JSON:
            failures.append(f"{segment}: {response.status} {response.text[:200]}")
        elif len(asked) > 1:
            failures.append(f"{segment}: queried {asked}")
    assert not failures, "\n".join(failures)
    assert not database_watch.errors


def test_every_item_route_is_covered():
    assert {route.label for route in ITEM_ROUTES} >= {
        "GET /api/tickets/{id}/",
        "PATCH /api/tickets/{id}/",
        "POST /api/tickets/{id}/assign/",
        "POST /api/tickets/{id}/execute/",
        "POST /api/tickets/{id}/cancel/",
        "GET /api/tickets/{id}/comments/",
        "POST /api/tickets/{id}/comments/",
        "GET /api/tickets/{id}/history/",
        "GET /api/users/{id}/",
        "PATCH /api/users/{id}/",
    }
