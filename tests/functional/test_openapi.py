"""The served spec is one that client generators read without a loss (tests/clients/ and
.ci/clients generate from it): every body and response schema is a shared definition,
every reference resolves, nullable references keep their null, operation ids are method
names, and the text is Markdown."""

import json
import re

import pytest

REF = "#/definitions/"
SNAKE_CASE = re.compile(r"^[a-z]+(_[a-z]+)*$")
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def spec(testapp) -> dict:
    return testapp.get("/api/openapi.json").json


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def schemas_in(value, where: str = "#"):
    """Every (location, dict) in the document, depth first."""
    if isinstance(value, dict):
        yield where, value
        for key, child in value.items():
            yield from schemas_in(child, f"{where}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from schemas_in(child, f"{where}/{index}")


def resolve(spec: dict, pointer: str):
    assert pointer.startswith("#/"), pointer
    target = spec
    for part in pointer[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def test_every_response_and_body_schema_is_a_reference_to_a_definition(spec):
    inline = []
    for label, operation in operations(spec):
        for status, response in operation["responses"].items():
            schema = response.get("schema")
            if schema is not None and schema != {"type": "file"} and set(schema) != {"$ref"}:
                inline.append(f"{label} {status}")
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "body" and set(parameter["schema"]) != {"$ref"}:
                inline.append(f"{label} body")
    assert not inline


def test_no_object_with_fields_is_defined_inline(spec):
    """An object with properties is the top of a definition, never nested in another."""
    inline = [
        where
        for where, node in schemas_in(spec)
        if "properties" in node
        and node.get("type") == "object"
        and not re.fullmatch(r"#/definitions/[^/]+", where)
    ]
    assert not inline


def test_every_reference_resolves_and_stands_alone(spec):
    references = [(where, node) for where, node in schemas_in(spec) if "$ref" in node]
    assert references
    for where, node in references:
        # Swagger 2.0 ignores every keyword beside a $ref: say them on an allOf around it.
        assert set(node) == {"$ref"}, where
        assert isinstance(resolve(spec, node["$ref"]), dict), where


def test_every_definition_is_used_and_named_as_its_title(spec):
    text = json.dumps(spec["paths"]) + json.dumps(spec["definitions"])
    for name, definition in spec["definitions"].items():
        assert definition["title"] == name
        assert f'"{REF}{name}"' in text, f"{name} is never referred to"


@pytest.mark.parametrize(
    ("definition", "field", "target"),
    [
        ("TicketPage", ("results", "items"), "Ticket"),
        ("CommentPage", ("results", "items"), "Comment"),
        ("EventPage", ("results", "items"), "Event"),
        ("UserPage", ("results", "items"), "User"),
        ("AttachmentPage", ("results", "items"), "Attachment"),
        ("Upload", ("results", "items"), "Attachment"),
        ("Ticket", ("requester",), "UserRef"),
        ("Comment", ("author",), "UserRef"),
        ("Attachment", ("uploader",), "UserRef"),
        ("Ticket", ("sla",), "ServiceLevels"),
    ],
)
def test_shared_schemas_are_referenced(spec, definition, field, target):
    schema = spec["definitions"][definition]["properties"]
    for key in field:
        schema = schema[key]
    assert schema == {"$ref": REF + target}


@pytest.mark.parametrize(
    ("definition", "field", "target"),
    [("Ticket", "executor", "UserRef"), ("Event", "actor", "UserRef")],
)
def test_a_nullable_reference_is_an_all_of_marked_nullable(spec, definition, field, target):
    schema = spec["definitions"][definition]["properties"][field]
    assert schema["allOf"] == [{"$ref": REF + target}]
    assert schema["x-nullable"] is True
    assert field in spec["definitions"][definition]["required"]  # present, maybe null
    assert "default" not in schema


def test_no_definition_s_field_repeats_an_enum_another_field_lists(spec):
    """An enum of several fields (a role, a priority, a status...) is one shared definition,
    so that a generated client has one enum type for it, not one per field."""
    fields: dict[tuple, list[str]] = {}
    for where, node in schemas_in(spec["definitions"], "#/definitions"):
        if "enum" in node and not re.fullmatch(r"#/definitions/[^/]+", where):
            fields.setdefault(tuple(node["enum"]), []).append(where)
    assert {values: wheres for values, wheres in fields.items() if len(wheres) > 1} == {}


@pytest.mark.parametrize(
    ("definition", "field", "target"),
    [
        ("Ticket", "status", "TicketStatus"),
        ("Ticket", "priority", "Priority"),
        ("PrioritySla", "priority", "Priority"),
        ("User", "role", "Role"),
        ("UserPatchBody", "role", "Role"),
    ],
)
def test_an_enum_field_refers_to_its_shared_definition(spec, definition, field, target):
    assert spec["definitions"][definition]["properties"][field] == {"$ref": REF + target}
    assert spec["definitions"][target]["type"] == "string"


def test_an_enum_field_s_default_and_null_stay_beside_the_reference(spec):
    definitions = spec["definitions"]
    assert definitions["TicketCreateBody"]["properties"]["priority"] == {
        "allOf": [{"$ref": REF + "Priority"}],
        "type": "string",
        "default": "NORMAL",
    }
    response = definitions["ServiceLevels"]["properties"]["response"]
    assert response["allOf"] == [{"$ref": REF + "SlaState"}]
    assert response["x-nullable"] is True
    items = definitions["WebhookCreateBody"]["properties"]["event_kinds"]["items"]
    assert items == {"$ref": REF + "EventKind"}


@pytest.mark.parametrize(
    ("path", "method", "operation_id"),
    [
        ("/api/auth/register/", "post", "register_user"),
        ("/api/auth/login/", "post", "login_user"),
        ("/api/tickets/", "post", "create_ticket"),
        ("/api/tickets/my-tickets/", "get", "list_my_tickets"),
        ("/api/tickets/all-tickets/", "get", "list_all_tickets"),
        ("/api/tickets/assigned-to-me/", "get", "list_assigned_to_me"),
        ("/api/tickets/{id}/assign/", "post", "assign_ticket"),
        ("/api/tickets/{id}/execute/", "post", "execute_ticket"),
        ("/api/tickets/{id}/history/", "get", "list_ticket_history"),
    ],
)
def test_operation_ids_read_as_method_names(spec, path, method, operation_id):
    assert spec["paths"][path][method]["operationId"] == operation_id


def test_operation_ids_are_unique_and_snake_case(spec):
    ids = [operation["operationId"] for _, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not SNAKE_CASE.match(i)] == []


def test_the_text_is_markdown_and_summaries_are_one_line(spec):
    assert "``" not in json.dumps(spec)
    for label, operation in operations(spec):
        assert operation["summary"], label
        assert "\n" not in operation["summary"], label
        assert "`" not in operation["summary"], label  # plain text in Swagger UI


def test_a_docstring_s_later_paragraphs_are_the_description(spec):
    operation = spec["paths"]["/api/tickets/"]["post"]
    assert operation["summary"] == "File a ticket (requesters). Answers 201 with Location and ETag."
    assert operation["description"].startswith("With an `Idempotency-Key` header")
