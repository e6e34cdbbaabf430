"""Settings from the ini file, with the environment overrides operators expect."""

import logging
import os
import re

from pyramid.settings import asbool, aslist

from .sla.policy import SETTINGS_KEY as SLA_SETTINGS_KEY
from .sla.policy import SlaConfigurationError, policy_from_settings

log = logging.getLogger(__name__)

#: Used only when neither the ini nor DESK_JWT_SECRET gives a key (development).
DEVELOPMENT_JWT_SECRET = "desk-development-secret-do-not-use-in-production!"
MIN_SECRET_BYTES = 32

ENVIRONMENT_OVERRIDES = {
    "sqlalchemy.url": "DATABASE_URL",
    "desk.jwt.secret": "DESK_JWT_SECRET",
    "desk.jwt.previous_secrets": "DESK_JWT_PREVIOUS_SECRETS",
    "desk.admin.secure_cookie": "DESK_ADMIN_SECURE_COOKIE",
}

DEFAULTS = {
    "desk.env": "development",
    "desk.jwt.previous_secrets": "",
    "desk.jwt.access_ttl": "900",
    "desk.jwt.refresh_ttl": "604800",
    "desk.registration.roles": "REQUESTER",
    "desk.max_body_bytes": str(1024 * 1024),
    "desk.login.max_failures": "5",
    "desk.login.max_failures_per_address": "50",
    "desk.login.window": "900",
    "desk.security_headers": "false",
    "desk.password_hash.time_cost": "4",
    "desk.password_hash.memory_cost": "9216",
    "desk.password_hash.parallelism": "1",
    "desk.search.exact_count_limit": "10000",
}


class ConfigurationError(RuntimeError):
    """The ini file and environment cannot make a safe deployment."""


def normalize_database_url(url: str) -> str:
    """Let ``postgres://`` and ``postgresql://`` URLs (as hosting services give) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def with_overrides(settings: dict) -> dict:
    """Defaults, then the ini, then the environment; the database URL is required."""
    merged = {**DEFAULTS, **settings}
    for key, variable in ENVIRONMENT_OVERRIDES.items():
        if os.environ.get(variable):
            merged[key] = os.environ[variable]
    if not merged.get("sqlalchemy.url"):
        raise ConfigurationError("No database: set DATABASE_URL or sqlalchemy.url in the ini file.")
    merged["sqlalchemy.url"] = normalize_database_url(merged["sqlalchemy.url"])
    return merged


def load_settings(settings: dict) -> dict:
    """The application's settings; refuses an unsafe production setup."""
    merged = with_overrides(settings)
    merged["desk.registration.roles"] = [
        role.upper() for role in aslist(merged["desk.registration.roles"])
    ]
    _check_secret(merged)
    merged["desk.admin.secure_cookie"] = admin_secure_cookie(merged)
    merged["desk.jwt.previous_secrets"] = previous_secrets(merged)
    merged["desk.search.exact_count_limit"] = exact_count_limit(merged)
    merged[SLA_SETTINGS_KEY] = sla_policy_of(merged)
    # Errors are rendered by desk.errors, not by Cornice's catch-all views.
    merged["handle_exceptions"] = False
    return merged


def exact_count_limit(settings: dict) -> int:
    """``desk.search.exact_count_limit``: the matches a searched list counts exactly."""
    raw = str(settings["desk.search.exact_count_limit"]).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError("desk.search.exact_count_limit must be a positive integer.")
    return int(raw)


def admin_secure_cookie(settings: dict) -> bool:
    """Whether the admin's session cookie is ``Secure``: as set, else only in production."""
    value = settings.get("desk.admin.secure_cookie")
    if value is None or value == "":
        return settings["desk.env"] == "production"
    return asbool(value)


def _check_secret(settings: dict) -> None:
    secret = settings.get("desk.jwt.secret") or ""
    production = settings["desk.env"] == "production"
    if len(secret.encode()) >= MIN_SECRET_BYTES:
        return
    if production:
        raise ConfigurationError(
            f"DESK_JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes in production."
        )
    if secret:
        raise ConfigurationError(f"desk.jwt.secret must be at least {MIN_SECRET_BYTES} bytes.")
    log.warning("Using the built-in development JWT secret; set DESK_JWT_SECRET for real use.")
    settings["desk.jwt.secret"] = DEVELOPMENT_JWT_SECRET


def sla_policy_of(settings: dict):
    """The ``desk.sla.*`` lines as a policy; a line that cannot be read refuses the start."""
    try:
        return policy_from_settings(settings)
    except SlaConfigurationError as error:
        raise ConfigurationError(f"Cannot read the service levels: {error}") from error


def previous_secrets(settings: dict) -> list[str]:
    """Retired signing keys that still verify tokens: a list from space- or comma-separated text.

    Each must be as long as a current key would have to be: a short one is a typo or a test key.
    """
    value = settings.get("desk.jwt.previous_secrets") or ""
    if isinstance(value, list | tuple):
        secrets = [str(secret) for secret in value]
    else:
        secrets = [secret for secret in re.split(r"[\s,]+", value) if secret]
    for secret in secrets:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"Every key in DESK_JWT_PREVIOUS_SECRETS (desk.jwt.previous_secrets) must be at "
                f"least {MIN_SECRET_BYTES} bytes."
            )
    current = settings["desk.jwt.secret"]
    return list(dict.fromkeys(secret for secret in secrets if secret != current))
