"""``/api/tickets/``: file, list, read, edit and move tickets through their lifecycle."""

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from webob.etag import AnyETag, NoETag

from .. import idempotency, schemas, workflow
from ..api import Service, responses
from ..exceptions import PreconditionFailed
from ..i18n import _
from ..lists import TicketList
from ..models import Comment
from ..permissions import Permission
from ..queries import (
    COMMENTS_OLDEST_FIRST,
    EVENTS_OLDEST_FIRST,
    comment_query,
    event_query,
)
from ..representations import (
    comment_json,
    etag,
    event_json,
    ticket_fields,
    ticket_json,
    ticket_list_json,
    user_ref,
)
from ..resources import TicketResource, ticket_factory
from .paging import page

TAGS = ["tickets"]


def _service(name: str, path: str, description: str, item: bool = False) -> Service:
    traverse = {"traverse": "/{id}"} if item else {}
    return Service(
        name=name, path=path, description=description, factory=ticket_factory, **traverse
    )


tickets = _service("tickets", "/api/tickets/", "File a ticket")
my_tickets = _service("my_tickets", "/api/tickets/my-tickets/", "The caller's own tickets")
all_tickets = _service("all_tickets", "/api/tickets/all-tickets/", "Every ticket")
assigned_to_me = _service(
    "assigned_to_me", "/api/tickets/assigned-to-me/", "Tickets assigned to the caller"
)
ticket = _service("ticket", "/api/tickets/{id}/", "One ticket", item=True)
assign = _service("ticket_assign", "/api/tickets/{id}/assign/", "Assign an executor", item=True)
execute = _service("ticket_execute", "/api/tickets/{id}/execute/", "Start or finish", item=True)
cancel = _service("ticket_cancel", "/api/tickets/{id}/cancel/", "Cancel a ticket", item=True)
wait = _service("ticket_wait", "/api/tickets/{id}/wait/", "Ask the requester and wait", item=True)
resume = _service("ticket_resume", "/api/tickets/{id}/resume/", "Stop waiting", item=True)
comments = _service("ticket_comments", "/api/tickets/{id}/comments/", "Comments", item=True)
history = _service("ticket_history", "/api/tickets/{id}/history/", "History", item=True)

SERVICES = (
    tickets,
    my_tickets,
    all_tickets,
    assigned_to_me,
    ticket,
    assign,
    execute,
    cancel,
    wait,
    resume,
    comments,
    history,
)

TICKET = schemas.TicketOut(description="The ticket, with its ETag header")
TICKET_PAGE = schemas.page_of(schemas.TicketOut, "TicketPage")
LIST_QUERY = schemas.request_schema(querystring=schemas.TicketListQuery)


def single_ticket(request, resource) -> dict:
    """A ticket answer: the representation, with its ETag."""
    request.response.etag = (etag(resource.ticket), True)
    return ticket_json(request, resource)


def check_if_match(request) -> None:
    """412 when ``If-Match`` names another version of the ticket than the current one."""
    if_match = request.if_match
    if if_match is AnyETag or if_match is NoETag:  # "*" or no header at all
        return
    if etag(request.context.ticket) not in if_match:
        raise PreconditionFailed(
            _("The ticket has changed since you read it: fetch it again (ETag) and retry.")
        )


def lock_context(request, permission: Permission) -> None:
    """Lock the ticket that the caller was authorized on, then authorize again on the row
    as it is now (another writer may have changed its people meanwhile); 404 if it is gone.

    Traversal reads the ticket without a lock, so that only writers the ACL let through
    queue on its row lock (``workflow.lock_ticket``).
    """
    if workflow.lock_ticket(request.dbsession, request.context.ticket.id) is None:
        raise HTTPNotFound()
    if not request.has_permission(permission, request.context):
        raise HTTPForbidden()


def list_tickets(request, scope: str) -> dict:
    container = request.context
    tickets = TicketList.from_query(
        scope,
        request.caller,
        request.validated.get("querystring", {}),
        exact_count_limit=request.registry.settings["desk.search.exact_count_limit"],
    )
    return page(
        request,
        tickets.shaped(),
        tickets.order(),
        lambda rows: ticket_list_json(request, container, rows),
        count_limit=tickets.count_limit,
        entities=False,
    )


@tickets.post(
    schema=schemas.request_schema(schemas.TicketCreateBody, header=schemas.IdempotencyHeader),
    permission=Permission.TICKET_CREATE,
    tags=TAGS,
    response_schemas=responses({201: TICKET}, 422),
)
def create_ticket(request):
    """File a ticket (requesters). Answers 201 with Location and ETag.

    With an `Idempotency-Key` header, a retry within 24 hours returns the first response.
    """
    replay = idempotency.begin(request)
    if replay is not None:
        return replay
    body = request.validated["body"]
    caller = request.caller
    new = workflow.file_ticket(
        request.dbsession, caller, body["title"], body["description"], body["priority"]
    )
    # The answer is the inserted row: no ORM object, no lookup (the row is ours, inserted
    # in this transaction, so no lock either). Its requester is the caller; no executor yet.
    resource = TicketResource(new, request.context)
    request.response.status = 201
    request.response.location = request.route_url("ticket", id=new.id)
    request.response.etag = (etag(new), True)
    answer = ticket_fields(new, user_ref(caller), None, workflow.allowed_actions(request, resource))
    idempotency.finish(request, 201, answer)
    return answer


@my_tickets.get(
    schema=LIST_QUERY,
    permission=Permission.TICKET_LIST_OWN,
    tags=TAGS,
    response_schemas=responses({200: TICKET_PAGE}),
)
def list_my_tickets(request):
    """Tickets the caller filed (requesters), newest first."""
    return list_tickets(request, "own")


@all_tickets.get(
    schema=LIST_QUERY,
    permission=Permission.TICKET_LIST_ALL,
    tags=TAGS,
    response_schemas=responses({200: TICKET_PAGE}),
)
def list_all_tickets(request):
    """Every ticket (operators), newest first."""
    return list_tickets(request, "all")


@assigned_to_me.get(
    schema=LIST_QUERY,
    permission=Permission.TICKET_LIST_ASSIGNED,
    tags=TAGS,
    response_schemas=responses({200: TICKET_PAGE}),
)
def list_assigned_to_me(request):
    """Tickets assigned to the caller (executors), newest first."""
    return list_tickets(request, "assigned")


@ticket.get(
    permission=Permission.TICKET_VIEW, tags=TAGS, response_schemas=responses({200: TICKET}, 404)
)
def get_ticket(request):
    """One ticket: its requester, its executor, operators and superusers may see it."""
    return single_ticket(request, request.context)


@ticket.patch(
    schema=schemas.request_schema(schemas.TicketPatchBody, header=schemas.IfMatchHeader),
    permission=Permission.TICKET_EDIT,
    tags=TAGS,
    response_schemas=responses({200: TICKET}, 404, 409, 412),
)
def patch_ticket(request):
    """Edit title, description or priority: the requester, while the ticket is NEW."""
    lock_context(request, Permission.TICKET_EDIT)
    check_if_match(request)
    workflow.ACTIONS["edit"].guard(request, request.context)
    workflow.edit_ticket(
        request.dbsession, request.context.ticket, request.user, request.validated["body"]
    )
    return single_ticket(request, request.context)


@assign.post(
    schema=schemas.request_schema(schemas.AssignBody, header=schemas.IfMatchHeader),
    permission=Permission.TICKET_ASSIGN,
    tags=TAGS,
    response_schemas=responses({200: TICKET}, 404, 409, 412),
)
def assign_ticket(request):
    """Assign or reassign an active executor (operators); the ticket becomes ASSIGNED."""
    lock_context(request, Permission.TICKET_ASSIGN)
    check_if_match(request)
    workflow.ACTIONS["assign"].guard(request, request.context)
    executor = workflow.find_executor(request.dbsession, request.validated["body"]["executor_id"])
    workflow.assign(request.dbsession, request.context.ticket, request.user, executor)
    return single_ticket(request, request.context)


@execute.post(
    schema=schemas.request_schema(schemas.ExecuteBody, header=schemas.IfMatchHeader),
    permission=Permission.TICKET_EXECUTE,
    tags=TAGS,
    response_schemas=responses({200: TICKET}, 404, 409, 412),
)
def execute_ticket(request):
    """Start (IN_PROGRESS) or finish (DONE, the default): the assigned executor."""
    body = request.validated["body"]
    action = "start" if body["status"] == workflow.IN_PROGRESS else "execute"
    lock_context(request, Permission.TICKET_EXECUTE)
    check_if_match(request)
    workflow.ACTIONS[action].guard(request, request.context)
    workflow.execute(
        request.dbsession,
        request.context.ticket,
        request.user,
        body["status"],
        body.get("comment"),
    )
    return single_ticket(request, request.context)


@cancel.post(
    schema=schemas.request_schema(schemas.CancelBody, header=schemas.IfMatchHeader),
    permission=Permission.TICKET_CANCEL,
    tags=TAGS,
    response_schemas=responses({200: TICKET}, 404, 409, 412),
)
def cancel_ticket(request):
    """Cancel: its requester while NEW or ASSIGNED, an operator also while IN_PROGRESS."""
    lock_context(request, Permission.TICKET_CANCEL)
    check_if_match(request)
    workflow.ACTIONS["cancel"].guard(request, request.context)
    workflow.cancel(
        request.dbsession,
        request.context.ticket,
        request.user,
        request.validated["body"].get("reason"),
    )
    return single_ticket(request, request.context)


@wait.post(
    schema=schemas.request_schema(schemas.WaitBody, header=schemas.IfMatchHeader),
    permission=Permission.TICKET_WAIT,
    tags=TAGS,
    response_schemas=responses({200: TICKET}, 404, 409, 412),
)
def wait_ticket(request):
    """Ask the requester a question (a public comment): an ASSIGNED or IN_PROGRESS ticket
    becomes WAITING and its resolution clock stops (its executor, operators).

    The requester's next public comment, or `resume`, `execute` or `assign`, ends it.
    """
    lock_context(request, Permission.TICKET_WAIT)
    check_if_match(request)
    workflow.ACTIONS["wait"].guard(request, request.context)
    workflow.wait(
        request.dbsession,
        request.context.ticket,
        request.user,
        request.validated["body"]["comment"],
    )
    return single_ticket(request, request.context)


@resume.post(
    schema=schemas.request_schema(header=schemas.IfMatchHeader),
    permission=Permission.TICKET_WAIT,
    tags=TAGS,
    response_schemas=responses({200: TICKET}, 404, 409, 412),
)
def resume_ticket(request):
    """Stop waiting: a WAITING ticket returns to the status it came from (its executor,
    operators)."""
    lock_context(request, Permission.TICKET_WAIT)
    check_if_match(request)
    workflow.ACTIONS["resume"].guard(request, request.context)
    workflow.resume(request.dbsession, request.context.ticket, request.user)
    return single_ticket(request, request.context)


def may_see_internal(request) -> bool:
    return bool(request.has_permission(Permission.TICKET_INTERNAL_NOTES, request.context))


@comments.get(
    schema=schemas.request_schema(querystring=schemas.PageQuery),
    permission=Permission.TICKET_VIEW,
    tags=TAGS,
    response_schemas=responses({200: schemas.page_of(schemas.CommentOut, "CommentPage")}, 404),
)
def list_comments(request):
    """Comments, oldest first; internal notes only for operators and executors."""
    query = comment_query(request.context.ticket, may_see_internal(request))
    return page(
        request,
        query,
        COMMENTS_OLDEST_FIRST,
        lambda rows: [comment_json(row) for row in rows],
    )


@comments.post(
    schema=schemas.request_schema(schemas.CommentBody, header=schemas.IdempotencyHeader),
    permission=Permission.TICKET_COMMENT,
    tags=TAGS,
    response_schemas=responses({201: schemas.CommentOut()}, 404, 422),
)
def add_comment(request):
    """Comment on a ticket; `internal: true` is for operators and executors only.

    Honours `Idempotency-Key` like ticket creation.
    """
    body = request.validated["body"]
    lock_context(request, Permission.TICKET_COMMENT)
    if body["internal"] and not may_see_internal(request):
        raise HTTPForbidden(_("Only operators and executors may write internal notes."))
    replay = idempotency.begin(request)
    if replay is not None:
        return replay
    comment: Comment = workflow.add_comment(
        request.dbsession, request.context.ticket, request.user, body["body"], body["internal"]
    )
    request.response.status = 201
    answer = comment_json(comment)
    idempotency.finish(request, 201, answer)
    return answer


@history.get(
    schema=schemas.request_schema(querystring=schemas.PageQuery),
    permission=Permission.TICKET_VIEW,
    tags=TAGS,
    response_schemas=responses({200: schemas.page_of(schemas.EventOut, "EventPage")}, 404),
)
def list_ticket_history(request):
    """Every change to the ticket, oldest first; requesters never see internal notes' events."""
    query = event_query(
        ticket_id=request.context.ticket.id, include_internal=may_see_internal(request)
    )
    return page(
        request,
        query,
        EVENTS_OLDEST_FIRST,
        lambda rows: [event_json(row) for row in rows],
    )
