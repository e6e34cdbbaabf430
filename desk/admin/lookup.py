"""``/admin/lookup/<kind>/?q=``: the type-ahead of user fields, a few matches as JSON.

The filters and the reassign form take a user's id; ``admin.js`` offers the users whose
username begins with what was typed (``executors``: active executors only), so that no
page lists every user in a drop-down.
"""

from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import select

from ..models import Role, User, username_key
from ..permissions import Permission
from ..queries import ESCAPE
from ..schemas import CONTROL_CHARACTERS
from .routes import LOOKUP

#: How many suggestions one answer holds.
SUGGESTIONS = 10
KINDS = {
    "users": (),
    "executors": (User.role == Role.EXECUTOR.value, User.is_active.is_(True)),
}


def prefix_pattern(text: str) -> str:
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"{escaped}%"


@view_config(route_name=LOOKUP, request_method="GET", permission=Permission.ADMIN, renderer="json")
def lookup(request: Request) -> list[dict]:
    """Up to ten ``{id, label}`` of users whose username begins with ``q``, by username."""
    criteria = KINDS.get(request.matchdict["kind"])
    text = CONTROL_CHARACTERS.sub("", request.GET.get("q", "")).strip()[:150]
    if criteria is None or not text:
        return []
    query = (
        select(User.id, User.username)
        .where(User.username_key.like(prefix_pattern(username_key(text)), escape=ESCAPE))
        .where(*criteria)
        .order_by(User.username_key)
        .limit(SUGGESTIONS)
    )
    request.response.cache_control = "no-store"
    return [{"id": user_id, "label": name} for user_id, name in request.dbsession.execute(query)]
