"""The admin's URLs: fixed pages, then five routes per registered model.

Each model's routes are its own, so that each view is registered with that model's
permission; ``{id}`` takes digits only, and ``{action}`` only the model's action names.
"""

import re
from collections.abc import Iterable

from pyramid.config import Configurator
from pyramid.request import Request

from .registry import ModelAdmin

PREFIX = "/admin/"

HOME, LOGIN, LOGOUT = "admin_home", "admin_login", "admin_logout"
LOOKUP = "admin_lookup"
CHARTS = "admin_charts"


def route_name(admin: ModelAdmin, page: str) -> str:
    """``admin_users_list``, ``admin_tickets_detail``, ...: one per model and page."""
    return f"admin_{admin.name}_{page}"


def add_routes(config: Configurator, admins: Iterable[ModelAdmin]) -> None:
    """The fixed pages' routes, then each model's."""
    config.add_route(HOME, PREFIX)
    config.add_route(LOGIN, PREFIX + "login/")
    config.add_route(LOGOUT, PREFIX + "logout/")
    config.add_route(LOOKUP, PREFIX + "lookup/{kind:[a-z]+}/")
    config.add_route(CHARTS, PREFIX + "charts/")
    for admin in admins:
        base = f"{PREFIX}{admin.name}/"
        config.add_route(route_name(admin, "list"), base)
        if admin.create is not None:
            config.add_route(route_name(admin, "new"), base + "new/")
        if admin.bulk_actions:
            config.add_route(route_name(admin, "bulk"), base + "bulk/")
        config.add_route(route_name(admin, "detail"), base + r"{id:\d+}/")
        if admin.save is not None:
            config.add_route(route_name(admin, "edit"), base + r"{id:\d+}/edit/")
        if admin.actions:
            names = "|".join(re.escape(action.name) for action in admin.actions)
            config.add_route(
                route_name(admin, "action"), base + rf"{{id:\d+}}/{{action:(?:{names})}}/"
            )


def home_path(request: Request) -> str:
    return request.route_path(HOME)


def list_path(request: Request, admin: ModelAdmin, **query) -> str:
    return request.route_path(route_name(admin, "list"), _query=query)


def bulk_path(request: Request, admin: ModelAdmin) -> str:
    return request.route_path(route_name(admin, "bulk"))


def new_path(request: Request, admin: ModelAdmin) -> str:
    return request.route_path(route_name(admin, "new"))


def detail_path(request: Request, admin: ModelAdmin, row_id: int) -> str:
    return request.route_path(route_name(admin, "detail"), id=row_id)


def edit_path(request: Request, admin: ModelAdmin, row_id: int) -> str:
    return request.route_path(route_name(admin, "edit"), id=row_id)


def action_path(request: Request, admin: ModelAdmin, row_id: int, action: str) -> str:
    return request.route_path(route_name(admin, "action"), id=row_id, action=action)


def safe_next(path: str | None) -> str | None:
    """``path`` if it is a page of the admin on this site, else None (no open redirect)."""
    if not path or not path.startswith(PREFIX) or "//" in path or "\\" in path:
        return None
    return path
