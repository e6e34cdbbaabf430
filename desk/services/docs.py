"""``/api/openapi.json`` (the generated spec) and ``/api/docs/`` (Swagger UI, no CDN)."""

from importlib.metadata import version
from importlib.resources import files

import colander
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from ..api import Service, response, responses
from ..openapi import generate_spec

TAGS = ["documentation"]

spec = Service(name="openapi", path="/api/openapi.json", description="This API's spec")
docs = Service(name="docs", path="/api/docs/", description="Swagger UI")
SERVICES = (spec, docs)

SWAGGER_PAGE = files("desk").joinpath("static/swagger.html").read_bytes()


class SpecOut(colander.MappingSchema):
    schema_type = staticmethod(lambda: colander.Mapping(unknown="preserve"))


@spec.get(
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    response_schemas=responses({200: SpecOut(description="The Swagger 2.0 document")}),
)
def get_openapi_spec(request):
    """The OpenAPI (Swagger 2.0) document of every route, generated from the services."""
    registry = request.registry
    if "desk.openapi" not in registry:
        registry["desk.openapi"] = generate_spec(registry, version("desk"))
    return registry["desk.openapi"]


@docs.get(
    permission=NO_PERMISSION_REQUIRED,
    tags=TAGS,
    renderer="string",
    api_produces=["text/html"],
    response_schemas={**responses({}), "200": response("The Swagger UI page (HTML)")},
)
def get_swagger_ui(request):
    """Swagger UI for this server, served from the package's own files."""
    return Response(body=SWAGGER_PAGE, content_type="text/html", charset="utf-8")


def includeme(config) -> None:
    from swagger_ui_bundle import swagger_ui_path

    config.add_static_view("api/docs/static", str(swagger_ui_path), cache_max_age=86400)
    config.add_static_view("api/docs/desk", "desk:static", cache_max_age=3600)
