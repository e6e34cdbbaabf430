"""The admin's session cookie: signed, HttpOnly, SameSite, Secure in production.

The cookie is scoped to ``/admin`` so that browsers never send it to the API, and its
signing key is derived from the JWT secret with its own label, so that neither key can
stand in for the other.
"""

import hashlib
import hmac
from collections.abc import Callable

from pyramid.session import SignedCookieSessionFactory

COOKIE_NAME = "desk_admin"
COOKIE_PATH = "/admin"
#: Idle minutes before a session lapses, and how often its cookie is renewed while in use.
IDLE_TIMEOUT = 60 * 60
REISSUE_TIME = 60


def derived_secret(secret: str, label: str = "desk.admin.session") -> str:
    """A key for one purpose, derived from the deployment's secret (HMAC-SHA256)."""
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()


def session_factory(settings: dict) -> Callable:
    """The session factory for the deployment's settings (``desk.admin.secure_cookie``,
    ``desk.jwt.secret``)."""
    return SignedCookieSessionFactory(
        derived_secret(settings["desk.jwt.secret"]),
        salt="desk.admin.session.",
        cookie_name=COOKIE_NAME,
        path=COOKIE_PATH,
        httponly=True,
        # Lax: a link to the admin from a mail keeps the session; a cross-site POST never
        # carries it (and every form needs a CSRF token besides).
        samesite="Lax",
        # Browsers keep a Secure cookie over HTTPS only; the login page says so over HTTP.
        secure=settings["desk.admin.secure_cookie"],
        timeout=IDLE_TIMEOUT,
        reissue_time=REISSUE_TIME,
    )
