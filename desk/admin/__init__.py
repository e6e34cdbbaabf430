"""The admin web UI at ``/admin/``: server-rendered pages for superusers.

A concern of its own: the API stands without it, and nothing outside this package imports
it. ``includeme`` gives the admin its session cookie, CSRF checks on every admin form (and
only there: the API authenticates with bearer tokens and takes no cookies), Jinja2
templates, its static files, and the pages of every model registered in
``desk.admin.models``.
"""

from jinja2 import StrictUndefined
from pyramid.config import Configurator
from pyramid.request import Request

from ..i18n import DOMAIN
from .bulk import add_bulk_views
from .models import REGISTRY
from .routes import PREFIX, add_routes
from .session import session_factory
from .views import add_views


def is_admin_request(request: Request) -> bool:
    return request.path_info.startswith(PREFIX)


def setup_jinja2(config: Configurator) -> None:
    # The templates' _() and {% trans %} translate in the domain "desk" (desk.i18n).
    config.add_settings({"jinja2.i18n.domain": DOMAIN})
    config.include("pyramid_jinja2")

    def configure_environment() -> None:
        environment = config.get_jinja2_environment()
        # A misspelt variable fails the page (and its test) instead of rendering empty.
        environment.undefined = StrictUndefined
        environment.trim_blocks = environment.lstrip_blocks = True

    # After pyramid_jinja2 has made its environment (a deferred action of its own).
    config.action(None, configure_environment, order=999)


def includeme(config: Configurator) -> None:
    settings = config.get_settings()
    config.set_session_factory(session_factory(settings))
    config.registry["security_policy"].use_sessions_under(PREFIX)
    # Every unsafe request to an admin view needs the session's CSRF token (and, over HTTPS,
    # a same-origin Origin); the callback keeps the API's views out of it.
    config.set_default_csrf_options(require_csrf=True, callback=is_admin_request)
    setup_jinja2(config)
    config.add_static_view("admin/static", "desk.admin:static", cache_max_age=3600)
    add_routes(config, REGISTRY)
    config.include(".attachments")
    add_views(config, REGISTRY)
    add_bulk_views(config, REGISTRY)
    config.scan(".auth")
    config.scan(".dashboard")
    config.scan(".errors")
    config.scan(".lookup")
    config.scan(".charts")
