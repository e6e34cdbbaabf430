"""``/api/users/``: operators pick executors; superusers manage accounts."""

from .. import accounts, schemas
from ..api import Service, responses
from ..permissions import Permission
from ..queries import user_ordering, user_query
from ..representations import user_json
from ..resources import user_factory
from .paging import page

TAGS = ["users"]

users = Service(
    name="users",
    path="/api/users/",
    factory=user_factory,
    description="People, e.g. ?role=EXECUTOR to pick an executor",
)
user = Service(
    name="user",
    path="/api/users/{id}/",
    factory=user_factory,
    traverse="/{id}",
    description="One account (superusers)",
)
SERVICES = (users, user)


@users.get(
    schema=schemas.request_schema(querystring=schemas.UserListQuery),
    permission=Permission.USER_LIST,
    tags=TAGS,
    response_schemas=responses({200: schemas.page_of(schemas.UserOut, "UserPage")}),
)
def list_users(request):
    """Users filtered by role, is_active and search (operators, superusers)."""
    params = request.validated.get("querystring", {})
    return page(
        request,
        user_query(params),
        user_ordering(params.get("ordering")),
        lambda rows: [user_json(row) for row in rows],
    )


@user.get(
    permission=Permission.USER_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: schemas.UserOut()}, 404),
)
def get_user(request):
    """One user (superusers)."""
    return user_json(request.context.user)


@user.patch(
    schema=schemas.request_schema(schemas.UserPatchBody),
    permission=Permission.USER_ADMIN,
    tags=TAGS,
    response_schemas=responses({200: schemas.UserOut()}, 404),
)
def patch_user(request):
    """Change role, is_active, is_superuser, names or email (superusers); effective at once."""
    changed = accounts.administer(
        request.dbsession, request.context.user, dict(request.validated["body"])
    )
    return user_json(changed)
