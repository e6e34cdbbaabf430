"""Desk: a service desk API on Pyramid, Cornice and SQLAlchemy.

``main`` reads as the table of contents: each concern brings its own ``includeme``.
"""

from datetime import date, datetime

from pyramid.config import Configurator
from pyramid.renderers import JSON

from .passwords import Passwords
from .resources import root_factory
from .settings import load_settings
from .throttle import LoginThrottle


def json_renderer() -> JSON:
    renderer = JSON()
    renderer.add_adapter(datetime, lambda value, request: value.isoformat())
    renderer.add_adapter(date, lambda value, request: value.isoformat())
    return renderer


def main(global_config: dict, **settings) -> object:
    """The WSGI application, configured from an ini file's ``[app:main]`` section."""
    settings = load_settings(settings)
    with Configurator(settings=settings, root_factory=root_factory) as config:
        config.add_renderer("json", json_renderer())
        config.registry["passwords"] = Passwords.from_settings(settings)
        config.registry["login_throttle"] = LoginThrottle.from_settings(settings)
        config.include(".models")
        config.include(".sla")
        config.include(".search_counts")
        config.include(".security")
        config.include("cornice")
        config.include(".openapi")
        config.include(".errors")
        config.include(".tweens")
        config.include(".services")
        config.include(".services.docs")
        config.include(".admin")
    return config.make_wsgi_app()
