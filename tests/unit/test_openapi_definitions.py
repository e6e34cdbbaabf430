"""Definitions in the spec: named after their classes, and never two schemas under one name."""

import colander
import pytest

from desk.openapi import DeskDefinitions, DeskTypeConverter


class PlaceOut(colander.MappingSchema):
    name = colander.SchemaNode(colander.String())


class VisitOut(colander.MappingSchema):
    place = PlaceOut()
    previous = PlaceOut(missing=None, description="null on a first visit")


def definitions() -> DeskDefinitions:
    return DeskDefinitions(type_converter=DeskTypeConverter())


def test_a_response_and_its_fields_are_references_named_after_their_classes():
    handler = definitions()
    assert handler.from_schema(VisitOut()) == {"$ref": "#/definitions/Visit"}
    visit = handler.definition_registry["Visit"]
    assert visit["title"] == "Visit"
    assert visit["properties"]["place"] == {"$ref": "#/definitions/Place"}
    assert visit["properties"]["previous"] == {
        "allOf": [{"$ref": "#/definitions/Place"}],
        "description": "null on a first visit",
        "x-nullable": True,
    }
    assert "x-nullable" not in handler.definition_registry["Place"]


def test_two_schemas_under_one_name_are_refused():
    class Place(colander.MappingSchema):  # named as PlaceOut's definition, other fields
        floor = colander.SchemaNode(colander.Int())

    handler = definitions()
    handler.from_schema(PlaceOut())
    with pytest.raises(ValueError, match="Two schemas are named Place"):
        handler.from_schema(Place())


class FilingOut(colander.MappingSchema):
    priority = colander.SchemaNode(
        colander.String(), validator=colander.OneOf(["LOW", "NORMAL", "HIGH", "URGENT"])
    )
    wanted = colander.SchemaNode(
        colander.String(),
        validator=colander.OneOf(["LOW", "NORMAL", "HIGH", "URGENT"]),
        missing=None,
        description="null if the filer did not say",
    )
    colour = colander.SchemaNode(colander.String(), validator=colander.OneOf(["red", "blue"]))


def test_a_shared_enum_is_defined_once_and_a_lone_one_stays_inline():
    handler = definitions()
    handler.from_schema(FilingOut())
    properties = handler.definition_registry["Filing"]["properties"]
    assert properties["priority"] == {"$ref": "#/definitions/Priority"}
    assert properties["wanted"] == {
        "allOf": [{"$ref": "#/definitions/Priority"}],
        "description": "null if the filer did not say",
        "x-nullable": True,
    }
    assert handler.definition_registry["Priority"] == {
        "type": "string",
        "enum": ["LOW", "NORMAL", "HIGH", "URGENT"],
        "title": "Priority",
    }
    assert properties["colour"]["enum"] == ["red", "blue"]
    assert "Colour" not in handler.definition_registry
