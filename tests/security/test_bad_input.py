"""Bad input on every route, field and query parameter: a named 400 (or 415), and the database
never sees it.

The tables come from the Cornice services (``routes.all_routes``), so a new route or field is
covered the day it is added. Each request is sent by the route's rightful caller with a body
that is valid but for the one field under test, and ``DatabaseWatch`` proves that the bad
value reached no statement and that the database raised no error.
"""

import base64
import json

import colander
import pytest

from desk.schemas import (
    CONTROL_CHARACTERS_BUT_WHITESPACE,
    Choice,
    QueryBool,
    QueryChoices,
    QueryInt,
    QueryText,
    QueryTimestamp,
    StrictBool,
    StrictInt,
    Text,
)
from desk.webhook_schemas import EventKinds

from .routes import SCENE, all_routes

PROBLEM_JSON = "application/problem+json"
ROUTES = all_routes()

#: C0 and C1 controls (never allowed), and the line breaks free text may hold.
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
LINE_BREAKS = ["\n", "\t"]
LONE_SURROGATE = "\ud800"


def fields(location: str) -> list:
    return [
        pytest.param(route, name, typ, id=f"{route.label} {name}")
        for route in ROUTES
        for name, typ in route.fields(location)
    ]


def multiline(typ) -> bool:
    return isinstance(typ, Text) and typ.forbidden is CONTROL_CHARACTERS_BUT_WHITESPACE


def valid_text(typ) -> str:
    """A value of the field's type that would pass, to wrap the control character in."""
    if isinstance(typ, Choice | QueryChoices):
        return typ.names[0]
    return {QueryInt: "1", QueryBool: "true", QueryTimestamp: "2024-01-01"}.get(type(typ), "ok")


def controlled(typ) -> list[str]:
    """The field's valid value with each refused character inside it."""
    refused = CONTROLS if multiline(typ) else CONTROLS + LINE_BREAKS
    value = valid_text(typ)
    return [value + character + value for character in refused]


def assert_named_400(response, location: str, name: str) -> None:
    assert response.status_int == 400, response.text
    assert response.content_type == PROBLEM_JSON
    named = {(error["location"], error["name"]) for error in response.json.get("errors", [])}
    assert (location, name) in named, response.text


def assert_database_untouched(watch, value=None) -> None:
    assert not watch.errors, watch.errors
    # Short values ("", "0") would match any parameter; the distinctive ones must not.
    if isinstance(value, str) and len(value) >= 3:
        assert not watch.carried(value), f"{value!r} reached the database"


def check_each(values, send, location: str, name: str, watch) -> None:
    """Send each bad value; every one must be a 400 naming the field, and none reach the DB."""
    failures = []
    for value in values:
        response = send(value)
        try:
            assert_named_400(response, location, name)
            assert_database_untouched(watch, value)
        except AssertionError as exc:
            failures.append(f"{value!r}: {exc}")
    assert not failures, "\n".join(failures)


# --- control characters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "name", "typ"), [p for p in fields("body") if isinstance(p.values[2], Text)]
)
def test_body_strings_refuse_control_characters(scene, database_watch, route, name, typ):
    values = [*controlled(typ), f"ok{LONE_SURROGATE}ok"]
    check_each(
        values,
        lambda value: scene.send(route, body={**scene.body(route), name: value}),
        "body",
        name,
        database_watch,
    )


@pytest.mark.parametrize(("route", "name", "typ"), fields("querystring"))
def test_query_parameters_refuse_control_characters(scene, database_watch, route, name, typ):
    check_each(
        controlled(typ),
        lambda value: scene.send(route, query={name: value}),
        "querystring",
        name,
        database_watch,
    )


@pytest.mark.parametrize(("route", "name", "typ"), fields("querystring"))
def test_query_parameters_refuse_bytes_that_are_not_utf8(scene, database_watch, route, name, typ):
    path = scene.path(route) + f"?{name}=%FF%FE"
    response = scene.client.get(
        path, headers=scene.headers(SCENE[route.service, route.method].role), status="*"
    )
    assert_named_400(response, "querystring", name)
    assert_database_untouched(database_watch)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.label)
def test_a_url_that_is_not_utf8_is_a_declared_400(scene, database_watch, route):
    """Any route, with or without query parameters of its own: the spec says 400 too."""
    caller = SCENE[route.service, route.method]
    paths = [scene.path(route) + "?junk=%C0%AF"]
    if "{id}" in route.path:
        paths.append(scene.path(route, segment="%FF"))
    for path in paths:
        response = scene.client.request(
            path, method=route.method, headers=scene.headers(caller.role), status="*"
        )
        assert response.status_int == 400, (path, response.text)
        assert response.content_type == PROBLEM_JSON
    spec = scene.client.get("/api/openapi.json").json
    assert "400" in spec["paths"][route.path][route.method.lower()]["responses"]
    assert_database_untouched(database_watch)


@pytest.mark.parametrize(("route", "name", "typ"), fields("header"))
def test_headers_refuse_control_characters(scene, database_watch, route, name, typ):
    # Line breaks cannot travel in a header at all; the other controls can.
    check_each(
        [f"ok{character}ok" for character in CONTROLS if character not in "\r\n"],
        lambda value: scene.send(route, body=scene.body(route), headers={name: value}),
        "header",
        name,
        database_watch,
    )


@pytest.mark.parametrize(
    ("route", "name", "typ"), [p for p in fields("body") if multiline(p.values[2])]
)
def test_free_text_keeps_newlines_and_tabs(scene, database_watch, route, name, typ):
    response = scene.send(route, body={**scene.body(route), name: "line one\n\tline two"})
    assert response.status_int < 400, response.text
    assert_database_untouched(database_watch)


# --- wrong types --------------------------------------------------------------------------

BODY_WRONG_TYPES = {
    Text: [5, 5.5, True, None, [], {}, ["a"]],
    Choice: [5, True, None, [], {}, "NO_SUCH_VALUE"],
    StrictInt: ["5", 5.5, True, None, [], {}, 2**31, -(2**31) - 1, 10**30, 1e400],
    StrictBool: ["true", 1, 0, None, [], "false"],
    EventKinds: ["created", [], ["no_such_kind"], [5], None, {}],
    # A list of items (the bulk route's): anything but a non-empty list of objects.
    colander.Sequence: [5, "a", True, None, {}, []],
}

QUERY_WRONG_TYPES = {
    QueryInt: ["abc", "1.5", "-1", "0", "1e3", "\uff12", str(2**31), "9" * 30, ""],
    QueryBool: ["maybe", "2", ""],
    QueryTimestamp: [
        "yesterday",
        "2024-13-01",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
    ],
    QueryChoices: ["bogus", ",", "NEW,bogus", ""],
}


def forged_cursors(ordering: str, size: int) -> list[str]:
    """Cursors that decode but hold sort keys of the wrong type, in every position."""
    wrong = [
        "x",
        None,
        1.5,
        10**30,
        True,
        [1],
        {"t": "2020-01-01"},
        {"t": "0001-01-01T00:00+05:00"},
    ]
    cursors = ["!!!", "e30", base64.urlsafe_b64encode(b"[1]").decode()]
    for value in wrong:
        for position in range(size):
            key = [{"t": "2024-01-01T00:00:00+00:00"} if size == 2 else 1] * size
            key[position] = value
            raw = json.dumps({"o": ordering, "k": key, "b": False}).encode()
            cursors.append(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return cursors


#: The default ordering of each list, which a forged cursor has to name.
CURSOR_ORDERINGS = {
    "my_tickets": ("-created_at", 2),
    "all_tickets": ("-created_at", 2),
    "assigned_to_me": ("-created_at", 2),
    "users": ("username", 2),
    "events": ("id", 1),
    "ticket_comments": ("id", 1),
    "ticket_history": ("id", 1),
    "webhooks": ("-id", 1),
    "webhook_deliveries": ("-id", 1),
    "ticket_attachments": ("id", 1),
}


def query_wrong_values(route, name: str, typ) -> list[str]:
    if name == "cursor":
        return forged_cursors(*CURSOR_ORDERINGS[route.service])
    if name == "search":
        return ["x" * 201]
    if name == "ordering":
        return ["sideways", "-", "created_at,id"]
    return QUERY_WRONG_TYPES[type(typ)]


@pytest.mark.parametrize(("route", "name", "typ"), fields("body"))
def test_body_fields_refuse_wrong_types(scene, database_watch, route, name, typ):
    check_each(
        BODY_WRONG_TYPES[type(typ)],
        lambda value: scene.send(route, body={**scene.body(route), name: value}),
        "body",
        name,
        database_watch,
    )


@pytest.mark.parametrize(("route", "name", "typ"), fields("querystring"))
def test_query_parameters_refuse_wrong_types(scene, database_watch, route, name, typ):
    check_each(
        query_wrong_values(route, name, typ),
        lambda value: scene.send(route, query={name: value}),
        "querystring",
        name,
        database_watch,
    )


@pytest.mark.parametrize(
    ("route", "name", "typ"),
    [p for p in fields("querystring") if not isinstance(p.values[2], QueryChoices)],
)
def test_single_valued_parameters_refuse_repeats(scene, database_watch, route, name, typ):
    value = valid_text(typ) if not isinstance(typ, QueryText) else "id"
    path = scene.path(route) + f"?{name}={value}&{name}={value}"
    caller = SCENE[route.service, route.method]
    response = scene.client.get(path, headers=scene.headers(caller.role), status="*")
    assert_named_400(response, "querystring", name)
    assert_database_untouched(database_watch)


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.fields("body")], ids=lambda route: route.label
)
def test_unknown_fields_are_refused_by_name(scene, database_watch, route):
    response = scene.send(route, body={**scene.body(route), "is_superuser_please": True})
    assert_named_400(response, "body", "is_superuser_please")
    assert_database_untouched(database_watch)


# --- malformed bodies ---------------------------------------------------------------------

MALFORMED = {
    "truncated": b'{"title": ',
    "trailing comma": b'{"a": 1,}',
    "not UTF-8": b'{"title": "\xff"}',
    "array": b"[]",
    "string": b'"text"',
    "null": b"null",
    "number": b"5",
    "nested a million deep": b"[" * 1_000_000,
    "huge number": b'{"a": ' + b"9" * 5000 + b"}",
}

NOT_JSON = {
    "text/plain": "text/plain",
    "form": "application/x-www-form-urlencoded",
    "xml": "application/xml",
    "latin-1 JSON": "application/json; charset=latin-1",
    "unknown charset": "application/json; charset=x-no-such",
}


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.fields("body")], ids=lambda route: route.label
)
def test_malformed_json_is_400_and_other_media_types_415(scene, database_watch, route):
    failures = []
    expected = [(raw, "application/json", 400) for raw in MALFORMED.values()]
    expected += [(b'{"a": 1}', media_type, 415) for media_type in NOT_JSON.values()]
    for raw, media_type, status in expected:
        response = scene.send(route, raw=raw, content_type=media_type)
        if response.status_int != status or response.content_type != PROBLEM_JSON:
            failures.append(f"{raw[:20]!r} as {media_type}: {response.status} {response.text}")
    assert not failures, "\n".join(failures)
    assert_database_untouched(database_watch)


def test_every_route_with_input_is_in_the_scene():
    """A new route must say who calls it, or the tables above would skip it."""
    assert {(route.service, route.method) for route in ROUTES} <= set(SCENE)
