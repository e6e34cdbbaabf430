"""``POST /api/tickets/bulk/``: many tickets assigned, re-prioritized or cancelled at once.

Each item is done as its single route would do it (``desk.bulk``): its own ACL check,
``If-Match`` and history event, and its own result. The answer is 200 whatever became of
the items; each result carries the status its single route would have answered.
"""

from .. import bulk, schemas
from ..api import Service, responses
from ..permissions import Permission
from ..representations import ticket_json
from ..resources import ticket_factory

tickets_bulk = Service(
    name="tickets_bulk",
    path="/api/tickets/bulk/",
    factory=ticket_factory,
    description="Assign, re-prioritize or cancel many tickets, each item on its own",
)
SERVICES = (tickets_bulk,)


def result_json(request, result: bulk.ItemResult) -> dict:
    answer = {"id": result.id, "action": result.action, "status": result.status}
    if result.ok:
        answer["ticket"] = ticket_json(request, result.resource)
    else:
        answer["problem"] = result.problem
    return answer


@tickets_bulk.post(
    schema=schemas.request_schema(schemas.BulkBody),
    permission=Permission.TICKET_ASSIGN,
    tags=["tickets"],
    response_schemas=responses({200: schemas.BulkResultOut(description="One result per item")}),
)
def change_tickets_in_bulk(request):
    """Up to 500 items `{id, action, if_match?, ...}`, done in order (operators).

    `assign` takes `executor_id`, `priority` takes `priority` (triage of an open
    ticket), `cancel` takes an optional `reason`. One item's refusal (404, 403, 409,
    412, 400) changes nothing of that item and does not undo the others.
    """
    results = bulk.run_items(request, request.validated["body"]["items"])
    return {
        "results": [result_json(request, result) for result in results],
        "done": sum(result.ok for result in results),
        "refused": sum(not result.ok for result in results),
    }
