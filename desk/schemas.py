"""Colander schemas: what each request may carry and what each response holds.

Request bodies are strict: an unknown field, a string where a number belongs, or a control
character in text is a 400 that names the field. Response schemas feed the generated spec.
"""

import re
from datetime import UTC, date, datetime, time

import colander

from .i18n import _
from .models import EVENT_KINDS, Priority, Role, TicketStatus
from .models.user import LANGUAGES
from .passwords import password_problem
from .resources import MAX_ID

# C0 and C1 control characters (Unicode category Cc), and lone surrogates: JSON can carry
# "\ud800", which no database or password hasher can encode.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTERS_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = _("Must not contain control characters or invalid Unicode.")
#: The same rules as JSON Schema patterns, for the spec (surrogates cannot be written there).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTILINE_TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
#: What a trimmed field loses at either end before it is checked: the whitespace that JSON
#: Schema's ``\s`` also knows (tabs and line breaks included, no other control character).
SURROUNDING_WHITESPACE = (
    " \t\n\x0b\x0c\r\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000\ufeff")
)
TRIMMED_TEXT_PATTERN = r"^\s*[^\x00-\x1f\x7f-\x9f]*?\s*$"
USERNAME_PATTERN = re.compile(r"^[\w.@+-]+\Z")


# --- strict types ----------------------------------------------------------------------


class StrictMapping(colander.Mapping):
    """A JSON object whose unknown keys are each reported by name."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        keys = set(self._validate(node, cstruct))
        unknown = sorted(keys - {child.name for child in node.children})
        error = None
        try:
            result = super().deserialize(node, cstruct)
        except colander.Invalid as exc:
            error = exc
        if unknown:
            error = error or colander.Invalid(node)
            for key in unknown:
                error.add(
                    colander.Invalid(
                        colander.SchemaNode(colander.String(), name=key), _("Unknown field.")
                    )
                )
        if error is not None:
            raise error
        return result


class Text(colander.String):
    """A JSON string, never a number or a list; control characters refused.

    ``multiline`` allows newlines and tabs (descriptions, comments); ``strip`` trims
    surrounding whitespace, tabs and line breaks included, before the check.
    """

    def __init__(self, multiline: bool = False, strip: bool = False):
        super().__init__()
        self.forbidden = CONTROL_CHARACTERS_BUT_WHITESPACE if multiline else CONTROL_CHARACTERS
        if multiline:
            self.pattern = MULTILINE_TEXT_PATTERN
        else:
            self.pattern = TRIMMED_TEXT_PATTERN if strip else TEXT_PATTERN
        self.strip = strip

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, str):
            raise colander.Invalid(node, _("Must be a string."))
        if self.strip:
            cstruct = cstruct.strip(SURROUNDING_WHITESPACE)
        if self.forbidden.search(cstruct):
            raise colander.Invalid(node, CONTROL_MESSAGE)
        return cstruct


class StrictInt(colander.Int):
    """A JSON integer: ``"5"``, ``5.5`` and ``true`` are refused, and so is one outside
    ``minimum``..``maximum`` (by default, what the database's INTEGER holds)."""

    def __init__(self, minimum: int = -MAX_ID - 1, maximum: int = MAX_ID):
        super().__init__()
        self.minimum = minimum
        self.maximum = maximum

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if isinstance(cstruct, bool) or not isinstance(cstruct, int):
            raise colander.Invalid(node, _("Must be an integer."))
        if not self.minimum <= cstruct <= self.maximum:
            raise colander.Invalid(
                node,
                _(
                    "Must be between ${minimum} and ${maximum}.",
                    mapping={"minimum": self.minimum, "maximum": self.maximum},
                ),
            )
        return cstruct


class StrictBool(colander.Boolean):
    """A JSON ``true`` or ``false``."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, bool):
            raise colander.Invalid(node, _("Must be true or false."))
        return cstruct


class Choice(Text):
    """One of a fixed set of names, in any letter case; answered in capitals."""

    def __init__(self, names):
        super().__init__()
        self.names = [str(name) for name in names]

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null:
            return value
        if value.upper() not in self.names:
            raise colander.Invalid(
                node, _("Must be one of: ${names}.", mapping={"names": ", ".join(self.names)})
            )
        return value.upper()


def text(multiline: bool = False, strip: bool = False, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(Text(multiline=multiline, strip=strip), **kw)


def optional(node: colander.SchemaNode) -> colander.SchemaNode:
    node.missing = colander.drop
    return node


class Body(colander.MappingSchema):
    schema_type = StrictMapping


# --- query string types ------------------------------------------------------------------


class QueryInt(colander.Int):
    """A positive integer given as digits in the query string; at most what the database's
    INTEGER holds, so that no id or page number overflows a query."""

    def __init__(self, maximum: int = MAX_ID):
        super().__init__()
        self.maximum = maximum

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, str) or not cstruct.isascii() or not cstruct.isdigit():
            raise colander.Invalid(node, _("Must be a positive integer."))
        value = int(cstruct)
        if value < 1 or (self.maximum is not None and value > self.maximum):
            raise colander.Invalid(
                node,
                _("Must be at least 1 and at most ${maximum}.", mapping={"maximum": self.maximum}),
            )
        return value


class QueryText(Text):
    """One value of a query parameter; repeating a single-valued parameter is an error."""

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, list):
            raise colander.Invalid(node, _("Give this parameter once."))
        return super().deserialize(node, cstruct)


class QueryChoices(colander.SchemaType):
    """Values from a fixed set, repeated (``?status=NEW&status=DONE``) or comma-separated."""

    def __init__(self, names):
        self.names = [str(name) for name in names]
        self.by_folded_name = {name.casefold(): name for name in self.names}

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        raw = cstruct if isinstance(cstruct, list) else [cstruct]
        values = []
        for item in raw:
            if not isinstance(item, str) or CONTROL_CHARACTERS.search(item):
                raise colander.Invalid(node, CONTROL_MESSAGE)
            values.extend(part.strip() for part in item.split(",") if part.strip())
        known = [self.by_folded_name.get(value.casefold()) for value in values]
        if None in known or not known:
            raise colander.Invalid(
                node,
                _("Each value must be one of: ${names}.", mapping={"names": ", ".join(self.names)}),
            )
        return list(dict.fromkeys(known))


class QueryBool(colander.SchemaType):
    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if isinstance(cstruct, str) and cstruct.lower() in ("true", "1", "yes"):
            return True
        if isinstance(cstruct, str) and cstruct.lower() in ("false", "0", "no"):
            return False
        raise colander.Invalid(node, _("Must be true or false."))


class QueryTimestamp(colander.SchemaType):
    """An ISO 8601 date or date-time; a date means its midnight, a naive time means UTC."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return colander.null
        if not isinstance(cstruct, str):
            raise colander.Invalid(node, _("Give this parameter once."))
        try:
            if len(cstruct) == 10:
                value = datetime.combine(date.fromisoformat(cstruct), time())
            else:
                value = datetime.fromisoformat(cstruct.replace("Z", "+00:00"))
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            # The database compares in UTC: a time that UTC cannot express is no filter.
            value.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise colander.Invalid(node, _("Must be an ISO 8601 date or date-time.")) from exc
        return value


def query(typ: colander.SchemaType, description: str, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(typ, missing=colander.drop, description=description, **kw)


# --- users and authentication ------------------------------------------------------------


def validate_username(node, value: str) -> None:
    if not 1 <= len(value) <= 150 or not USERNAME_PATTERN.match(value):
        raise colander.Invalid(node, _("1 to 150 characters: letters, digits and @ . + - _ only."))


def validate_new_password(node, value: dict) -> None:
    """A form's validator: its ``password`` must be strong enough for its ``username``."""
    problem = password_problem(value["password"], value["username"])
    if problem:
        error = colander.Invalid(node)
        error["password"] = problem
        raise error


def email_node(**kw) -> colander.SchemaNode:
    return text(
        strip=True, validator=colander.All(colander.Length(max=254), colander.Email()), **kw
    )


def name_node(**kw) -> colander.SchemaNode:
    return text(strip=True, validator=colander.Length(max=150), **kw)


class RegisterBody(Body):
    username = text(validator=validate_username, description="Letters, digits and @.+-_")
    password = text(description="At least 8 characters, not all digits, not the username")
    email = optional(email_node())
    first_name = optional(name_node())
    last_name = optional(name_node())
    role = optional(colander.SchemaNode(Choice(Role), description="Default REQUESTER"))

    validator = staticmethod(validate_new_password)


class LoginBody(Body):
    username = text(validator=colander.Length(min=1, max=150))
    password = text(validator=colander.Length(min=1, max=1024))


class RefreshBody(Body):
    refresh = text(validator=colander.Length(min=1, max=512), description="The refresh token")


class ProfilePatchBody(Body):
    email = optional(email_node())
    notify_email = optional(
        colander.SchemaNode(StrictBool(), description="Send me e-mail notifications")
    )
    language = optional(
        colander.SchemaNode(
            Text(),
            validator=colander.OneOf(list(LANGUAGES)),
            description="The language of my e-mail: en or ru",
        )
    )
    first_name = optional(name_node())
    last_name = optional(name_node())
    password = optional(text(description="New password; needs current_password"))
    current_password = optional(text())


class UserPatchBody(Body):
    role = optional(colander.SchemaNode(Choice(Role)))
    is_active = optional(colander.SchemaNode(StrictBool()))
    is_superuser = optional(colander.SchemaNode(StrictBool()))
    email = optional(email_node())
    first_name = optional(name_node())
    last_name = optional(name_node())


# --- tickets -----------------------------------------------------------------------------

PRIORITY_NAMES = [p.name for p in Priority]


def title_node(**kw) -> colander.SchemaNode:
    return text(strip=True, validator=colander.Length(min=1, max=200), **kw)


def description_node(**kw) -> colander.SchemaNode:
    return text(multiline=True, validator=colander.Length(max=10000), **kw)


class TicketCreateBody(Body):
    title = title_node(description="1 to 200 characters, trimmed")
    description = description_node(missing="")
    priority = colander.SchemaNode(Choice(PRIORITY_NAMES), missing="NORMAL")


class AdminTicketCreateBody(TicketCreateBody):
    """A ticket filed in the admin on someone's behalf: whose it is, then the API's fields."""

    requester_id = colander.SchemaNode(
        StrictInt(minimum=1), description="An active requester's user id", insert_before="title"
    )


class TicketPatchBody(Body):
    title = optional(title_node())
    description = optional(description_node())
    priority = optional(colander.SchemaNode(Choice(PRIORITY_NAMES)))


class AssignBody(Body):
    executor_id = colander.SchemaNode(
        StrictInt(minimum=1), description="An active executor's user id"
    )


class ExecuteBody(Body):
    status = colander.SchemaNode(
        Choice([TicketStatus.IN_PROGRESS, TicketStatus.DONE]), missing=TicketStatus.DONE.value
    )
    comment = optional(text(multiline=True, validator=colander.Length(min=1, max=10000)))


class CancelBody(Body):
    reason = optional(text(multiline=True, validator=colander.Length(max=2000)))


class CommentBody(Body):
    body = text(multiline=True, validator=colander.Length(min=1, max=10000))
    internal = colander.SchemaNode(
        StrictBool(), missing=False, description="A note only operators and executors see"
    )


# --- list query strings ------------------------------------------------------------------

ORDERINGS = ["created_at", "updated_at", "priority", "id", "response_due_at", "resolution_due_at"]


class PageQuery(colander.MappingSchema):
    page = query(QueryInt(), "1-based page number")
    page_size = query(QueryInt(maximum=100), "Items per page (default 20, at most 100)")
    cursor = query(QueryText(), "Opaque position from a next/previous link")


class TicketListQuery(PageQuery):
    status = query(QueryChoices(TicketStatus), "Repeatable or comma-separated")
    priority = query(QueryChoices(PRIORITY_NAMES), "Repeatable or comma-separated")
    executor_id = query(QueryInt(), "Only tickets assigned to this user")
    requester_id = query(QueryInt(), "Only tickets filed by this user")
    search = query(
        QueryText(),
        "Case-insensitive match in title and description",
        validator=colander.Length(max=200),
    )
    ordering = query(
        QueryText(),
        "created_at, updated_at, priority, id, response_due_at or resolution_due_at (only the"
        " tickets with that due time); a leading - reverses (default -created_at)",
        validator=colander.OneOf(ORDERINGS + [f"-{o}" for o in ORDERINGS]),
    )
    created_after = query(QueryTimestamp(), "Created at or after (ISO 8601)")
    created_before = query(QueryTimestamp(), "Created before (ISO 8601)")
    overdue = query(
        QueryBool(), "true: open tickets with a target missed and not met; false: the others"
    )
    due_before = query(
        QueryTimestamp(), "Open tickets with a target not met that falls due before (ISO 8601)"
    )


class EventListQuery(PageQuery):
    ticket_id = query(QueryInt(), "Events of this ticket only")
    actor_id = query(QueryInt(), "Events caused by this user only")
    kind = query(
        QueryChoices(EVENT_KINDS),
        "Repeatable or comma-separated",
    )
    since = query(QueryTimestamp(), "At or after (ISO 8601)")
    until = query(QueryTimestamp(), "Before (ISO 8601)")


class SlaReportQuery(colander.MappingSchema):
    since = query(QueryTimestamp(), "Tickets filed at or after (ISO 8601)")
    until = query(QueryTimestamp(), "Tickets filed before (ISO 8601)")


USER_ORDERINGS = ["username", "-username", "date_joined", "-date_joined"]


class UserListQuery(PageQuery):
    role = query(QueryChoices(Role), "Repeatable or comma-separated")
    is_active = query(QueryBool(), "true or false")
    search = query(
        QueryText(),
        "Case-insensitive match in username, email and names",
        validator=colander.Length(max=200),
    )
    ordering = query(
        QueryText(),
        "username or date_joined; a leading - reverses",
        validator=colander.OneOf(USER_ORDERINGS),
    )


# --- request wrappers (Cornice reads body/querystring/path from these) -------------------


class IdempotencyHeader(colander.MappingSchema):
    idempotency_key = text(
        name="Idempotency-Key",
        missing=colander.drop,
        validator=colander.Regex(r"^[\x21-\x7e]{1,255}$", "1 to 255 printable ASCII characters."),
        description="A retry with the same key within 24 hours returns the first response",
    )


class IfMatchHeader(colander.MappingSchema):
    if_match = text(
        name="If-Match",
        missing=colander.drop,
        description="The ETag you read; 412 if the ticket changed since (* matches any)",
    )


def request_schema(
    body: type | None = None, querystring: type | None = None, header: type | None = None
):
    """A Cornice request schema with the given body, query string and header parts."""
    attributes = {}
    if body is not None:
        attributes["body"] = body()
    if querystring is not None:
        attributes["querystring"] = querystring()
    if header is not None:
        attributes["header"] = header()
    return type("Request", (colander.MappingSchema,), attributes)()


# --- responses ---------------------------------------------------------------------------


def out(typ, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(typ, **kw)


class UserRef(colander.MappingSchema):
    id = out(colander.Int())
    username = out(colander.String())


class UserOut(colander.MappingSchema):
    id = out(colander.Int())
    username = out(colander.String())
    email = out(colander.String())
    first_name = out(colander.String())
    last_name = out(colander.String())
    role = out(colander.String(), validator=colander.OneOf(list(Role)))
    is_active = out(colander.Boolean())
    is_superuser = out(colander.Boolean())
    date_joined = out(colander.DateTime())
    notify_email = out(colander.Boolean())
    language = out(
        colander.String(), missing=None, description="en or ru; null: the deployment's default"
    )


class TokenPairOut(colander.MappingSchema):
    access = out(colander.String())
    refresh = out(colander.String())
    token_type = out(colander.String())
    expires_in = out(colander.Int(), description="Seconds until the access token expires")


class ActionList(colander.SequenceSchema):
    action = out(colander.String())


SLA_STATES = ["pending", "met", "breached"]


class ServiceLevelsOut(colander.MappingSchema):
    response = out(
        colander.String(),
        missing=None,
        validator=colander.OneOf(SLA_STATES),
        description="pending, met or breached; null when the ticket has no such target",
    )
    resolution = out(
        colander.String(),
        missing=None,
        validator=colander.OneOf(SLA_STATES),
        description="pending, met or breached; null when the ticket has no such target",
    )


class WaitBody(Body):
    comment = text(
        multiline=True,
        validator=colander.Length(min=1, max=10000),
        description="The question to the requester, kept as a public comment",
    )


class TicketOut(colander.MappingSchema):
    id = out(colander.Int())
    title = out(colander.String())
    description = out(colander.String())
    status = out(colander.String(), validator=colander.OneOf(list(TicketStatus)))
    priority = out(colander.String(), validator=colander.OneOf(PRIORITY_NAMES))
    requester = UserRef()
    executor = UserRef(missing=None, description="null until assigned")
    created_at = out(colander.DateTime())
    updated_at = out(colander.DateTime())
    assigned_at = out(colander.DateTime(), missing=None)
    completed_at = out(colander.DateTime(), missing=None)
    allowed_actions = ActionList(
        description="Actions the caller may take now: edit, assign, execute, start, cancel,"
        " wait, resume, comment"
    )
    response_due_at = out(
        colander.DateTime(), missing=None, description="First response due (null: no target)"
    )
    resolution_due_at = out(
        colander.DateTime(),
        missing=None,
        description="Resolution due (null: no target, or the clock stands still while WAITING)",
    )
    first_response_at = out(colander.DateTime(), missing=None)
    sla = ServiceLevelsOut()


class CommentOut(colander.MappingSchema):
    id = out(colander.Int())
    author = UserRef()
    body = out(colander.String())
    internal = out(colander.Boolean())
    created_at = out(colander.DateTime())


class EventOut(colander.MappingSchema):
    id = out(colander.Int())
    ticket_id = out(colander.Int())
    actor = UserRef(missing=None, description="null for system events")
    kind = out(colander.String())
    from_status = out(colander.String(), missing=None)
    to_status = out(colander.String(), missing=None)
    data = colander.SchemaNode(colander.Mapping(unknown="preserve"))
    created_at = out(colander.DateTime())


def page_of(item: type, name: str) -> colander.MappingSchema:
    """The list envelope ``{count, count_exact, next, previous, results}`` around ``item``."""
    results = type(f"{name}Results", (colander.SequenceSchema,), {"item": item()})
    return type(
        name,
        (colander.MappingSchema,),
        {
            "count": out(
                colander.Int(),
                description="Number of matching items: exact when count_exact is true, else"
                " a lower bound (desk.search.exact_count_limit, searched lists only)",
            ),
            "count_exact": out(
                colander.Boolean(),
                description="false when a searched list matches more than"
                " desk.search.exact_count_limit items and count is that limit",
            ),
            "next": out(colander.String(), missing=None, description="Absolute URL or null"),
            "previous": out(colander.String(), missing=None, description="Absolute URL or null"),
            "results": results(),
        },
    )()


class TargetSummaryOut(colander.MappingSchema):
    met = out(colander.Int())
    breached = out(colander.Int())
    pending = out(colander.Int())
    median_seconds = out(colander.Float(), missing=None, description="null without any")
    p90_seconds = out(colander.Float(), missing=None, description="90th percentile")


class PrioritySlaOut(colander.MappingSchema):
    priority = out(colander.String(), validator=colander.OneOf(PRIORITY_NAMES))
    tickets = out(colander.Int(), description="Tickets filed in the period")
    with_target = out(colander.Int(), description="Of those, tickets with targets")
    response = TargetSummaryOut()
    resolution = TargetSummaryOut()


class PrioritySlaList(colander.SequenceSchema):
    priority = PrioritySlaOut()


class SlaReportOut(colander.MappingSchema):
    since = out(colander.DateTime(), missing=None)
    until = out(colander.DateTime(), missing=None)
    priorities = PrioritySlaList()


class ErrorItem(colander.MappingSchema):
    location = out(colander.String())
    name = out(colander.String())
    description = out(colander.String())


class ErrorList(colander.SequenceSchema):
    error = ErrorItem()


class ProblemOut(colander.MappingSchema):
    type = out(colander.String())
    title = out(colander.String())
    status = out(colander.Int())
    detail = out(colander.String())
    errors = ErrorList(missing=colander.drop)


class HealthOut(colander.MappingSchema):
    status = out(colander.String())


# --- attachments -----------------------------------------------------------------------


class AttachmentOut(colander.MappingSchema):
    id = out(colander.Int())
    ticket_id = out(colander.Int())
    comment_id = out(colander.Int(), missing=None, description="null for a file on the ticket")
    filename = out(colander.String(), description="For display only, cleaned")
    content_type = out(colander.String(), description="Sniffed from the content")
    size = out(colander.Int(), description="Bytes")
    sha256 = out(colander.String(), description="Hex digest; the download's ETag")
    internal = out(colander.Boolean(), description="On an internal note: never a requester's")
    uploader = UserRef()
    created_at = out(colander.DateTime())
    content_url = out(colander.String(), description="Absolute URL of the bytes")


class AttachmentList(colander.SequenceSchema):
    attachment = AttachmentOut()


class UploadOut(colander.MappingSchema):
    results = AttachmentList()


class ContentHeaders(colander.MappingSchema):
    range = text(
        name="Range",
        missing=colander.drop,
        description="bytes=start-end, start- or -suffix: one range, answered 206",
    )
    if_none_match = text(
        name="If-None-Match",
        missing=colander.drop,
        description="The sha256 ETag you hold: 304 when unchanged",
    )


# --- bulk changes ------------------------------------------------------------------------

BULK_ACTIONS = ["assign", "priority", "cancel"]
#: The most items one bulk request may carry: a few pages of a list, not the whole table.
BULK_MAX_ITEMS = 500
#: What each bulk action needs, and the fields it takes besides ``id``/``action``/``if_match``.
BULK_FIELDS = {"assign": {"executor_id"}, "priority": {"priority"}, "cancel": {"reason"}}
BULK_REQUIRED = {"assign": "executor_id", "priority": "priority"}


def validate_bulk_item(node, value: dict) -> None:
    """The fields an item carries must be those of its action; a needed one must be there."""
    error = colander.Invalid(node)
    taken = BULK_FIELDS[value["action"]]
    for name in ("executor_id", "priority", "reason"):
        if name in value and name not in taken:
            error[name] = _(
                "Not used by the action ${action}.", mapping={"action": value["action"]}
            )
    needed = BULK_REQUIRED.get(value["action"])
    if needed and needed not in value:
        error[needed] = "Required"
    if error.children:
        raise error


class BulkItem(Body):
    id = colander.SchemaNode(StrictInt(minimum=1), description="The ticket's id")
    action = text(validator=colander.OneOf(BULK_ACTIONS), description="assign, priority or cancel")
    if_match = optional(
        text(description="The ETag read; the item is refused with 412 if the ticket changed")
    )
    executor_id = optional(
        colander.SchemaNode(StrictInt(minimum=1), description="assign: an active executor's id")
    )
    priority = optional(
        colander.SchemaNode(Choice(PRIORITY_NAMES), description="priority: the new one")
    )
    reason = optional(text(multiline=True, validator=colander.Length(max=2000)))

    validator = staticmethod(validate_bulk_item)


class BulkItems(colander.SequenceSchema):
    item = BulkItem()


class BulkBody(Body):
    items = BulkItems(
        validator=colander.Length(min=1, max=BULK_MAX_ITEMS), description="1 to 500 items, in order"
    )


class BulkProblemOut(colander.MappingSchema):
    type = out(colander.String())
    title = out(colander.String())
    status = out(colander.Int())
    detail = out(colander.String())
    errors = ErrorList(missing=colander.drop)


class BulkItemResultOut(colander.MappingSchema):
    id = out(colander.Int())
    action = out(colander.String())
    status = out(colander.Int(), description="200, or the status its single route would answer")
    ticket = TicketOut(missing=colander.drop, description="When done")
    problem = BulkProblemOut(missing=colander.drop, description="When refused")


class BulkResultsOut(colander.SequenceSchema):
    result = BulkItemResultOut()


class BulkResultOut(colander.MappingSchema):
    results = BulkResultsOut(description="One result per item, in the order given")
    done = out(colander.Int())
    refused = out(colander.Int())
