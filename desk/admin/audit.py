"""The admin's own actions on accounts, recorded as ``AdminAction`` rows and shown back.

Every change the users' pages make goes through ``administer`` or ``record`` here, so the
user's page can say who changed their role, deactivated them or set their password, when.
"""

from typing import Any

from pyramid.request import Request
from sqlalchemy import select

from .. import accounts
from ..models import AdminAction, User, utcnow
from .i18n import Translator, translator
from .rendering import format_value

#: How many actions the user's page shows, newest first.
RECENT = 20


def record(request: Request, target: User, kind: str, data: dict | None = None) -> AdminAction:
    """Note that the superuser of ``request`` did ``kind`` to ``target``."""
    action = AdminAction(
        actor_id=request.user.id,
        target_id=target.id,
        kind=kind,
        data=data or {},
        created_at=utcnow(),
    )
    request.dbsession.add(action)
    return action


def administer(request: Request, user: User, values: dict[str, Any]) -> dict:
    """``accounts.administer`` with the fields that really change recorded as ``edited``."""
    changes = {
        name: [getattr(user, name), value]
        for name, value in values.items()
        if getattr(user, name) != value
    }
    accounts.administer(request.dbsession, user, values)
    if changes:
        record(request, user, "edited", {"changes": changes})
    return changes


def describe(action: AdminAction, _: Translator) -> str:
    """What an action did, in words."""
    if action.kind == "edited":
        shown = {"role": _, "is_active": lambda v: format_value(v, _)}
        shown["is_superuser"] = shown["is_active"]
        return "; ".join(
            f"{_(name)}: {shown.get(name, str)(old) or '—'} → {shown.get(name, str)(new) or '—'}"
            for name, (old, new) in action.data.get("changes", {}).items()
        )
    if action.kind == "created":
        return _("role: ${role}", role=_(action.data.get("role", "")))
    return ""


def recent_actions(request: Request, user: User) -> dict:
    """The user page's panel: the latest actions on this account, newest first."""
    _ = translator(request)
    rows = request.dbsession.scalars(
        select(AdminAction)
        .where(AdminAction.target_id == user.id)
        .order_by(AdminAction.id.desc())
        .limit(RECENT)
    ).all()
    return {
        "actions": [
            {
                "when": format_value(row.created_at, _),
                "actor": row.actor.username if row.actor else "—",
                "kind": _(f"audit:{row.kind}"),
                "details": describe(row, _),
            }
            for row in rows
        ]
    }
