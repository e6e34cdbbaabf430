"""Plain HTML forms from colander schemas: the fields to render, and the POST to validate.

A schema node may carry presentation attributes (colander keeps unknown keyword
arguments): ``widget`` (``text``, ``email``, ``password``, ``textarea``, ``select``,
``checkbox``), ``choices`` (a callable of the request giving ``(value, label)`` pairs),
``help``, ``autocomplete`` and ``lookup`` (the type-ahead of a user id field: ``users`` or
``executors``, see ``desk.admin.lookup``). Its ``title`` is the label's English message id.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import colander
from pyramid.request import Request

from ..exceptions import InvalidInput
from ..schemas import StrictBool, StrictInt
from .i18n import Translator


@dataclass(frozen=True)
class FormField:
    """One control of a rendered form, with its current value and error."""

    name: str
    label: str
    widget: str
    value: Any
    required: bool
    choices: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    help: str | None = None
    autocomplete: str | None = None
    lookup: str | None = None

    @property
    def id(self) -> str:
        return f"field-{self.name}"


def widget_of(node: colander.SchemaNode) -> str:
    widget = getattr(node, "widget", None)
    if widget:
        return widget
    if isinstance(node.typ, colander.Boolean):
        return "checkbox"
    return "select" if getattr(node, "choices", None) else "text"


def as_form_value(value: Any) -> Any:
    """A model value as a control holds it: booleans stay, None is empty, the rest text."""
    if isinstance(value, bool):
        return value
    return "" if value is None else str(value)


def fields(
    request: Request,
    schema: colander.SchemaNode,
    values: dict,
    errors: dict,
    translate: Translator,
) -> list[FormField]:
    """The controls of ``schema``, filled with ``values`` and marked with ``errors``."""
    result = []
    for node in schema.children:
        choices = getattr(node, "choices", None)
        widget = widget_of(node)
        help_text = getattr(node, "help", None)
        result.append(
            FormField(
                name=node.name,
                label=translate(node.title),
                widget=widget,
                value=as_form_value(values.get(node.name, "" if widget != "checkbox" else False)),
                required=node.required and widget != "checkbox",
                choices=tuple(choices(request)) if choices else (),
                error=errors.get(node.name),
                help=translate(help_text) if help_text else None,
                autocomplete=getattr(node, "autocomplete", None),
                lookup=getattr(node, "lookup", None),
            )
        )
    return result


def submitted(schema: colander.SchemaNode, post) -> dict:
    """The POSTed values of ``schema``'s fields as the form shows them again after an error."""
    values = {}
    for node in schema.children:
        widget = widget_of(node)
        if widget == "checkbox":
            values[node.name] = node.name in post
        elif widget == "password":
            values[node.name] = ""  # a password is never sent back to the browser
        else:
            values[node.name] = post.get(node.name, "")
    return values


def validate(schema: colander.SchemaNode, post) -> dict:
    """The POSTed form as ``schema`` deserializes it; raises colander.Invalid.

    A field left empty, or an unchecked checkbox (which sends nothing), is colander's
    ``null``: the node's ``missing`` applies (``""`` for an optional text, False for a
    checkbox), or "Required" when it has none.
    """
    cstruct = {}
    for node in schema.children:
        raw = post.get(node.name, "")
        cstruct[node.name] = colander.null if raw == "" else as_json_value(node, raw)
    return schema.deserialize(cstruct)


def as_json_value(node: colander.SchemaNode, raw: str) -> Any:
    """A form's text as the JSON value an API schema's strict type takes: digits as an
    integer, a checked box as true; anything else stays text (and the type refuses it)."""
    if isinstance(node.typ, StrictInt) and raw.isascii() and raw.isdigit():
        return int(raw)
    if isinstance(node.typ, StrictBool):
        return raw == "true"
    return raw


def derived(
    body: type[colander.Schema],
    /,
    extra: Callable[[], list[colander.SchemaNode]] = list,
    **presentation: dict,
) -> Callable[[], colander.Schema]:
    """A form's schema made from an API body schema: the named fields' nodes cloned, so that
    their rules are the API's, each given the form's ``title``, ``widget`` and the like.

    ``derived(CancelBody, reason={"title": N_("Reason"), "widget": "textarea"})``; ``extra``
    gives fields the API body does not have (the form's own, after the derived ones).
    """

    def schema() -> colander.Schema:
        api = body()
        form = colander.MappingSchema(validator=api.validator)
        for name, attributes in presentation.items():
            node = api[name].clone()
            for attribute, value in attributes.items():
                setattr(node, attribute, value)
            form.add(node)
        for node in extra():
            form.add(node)
        return form

    schema.__doc__ = f"The form of {body.__name__}."
    return schema


def invalid_errors(exc: colander.Invalid, translate: Translator) -> dict:
    """Field name to message, translated; an error of the whole form is under ``""``."""
    return exc.asdict(translate=translate.colander)


def domain_errors(exc: InvalidInput, translate: Translator) -> dict:
    """The fields that a domain InvalidInput names, with its translated descriptions."""
    return {error["name"]: translate(error["description"]) for error in exc.errors or ()}
