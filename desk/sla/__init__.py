"""Service levels: response and resolution targets per priority, in business time.

``policy`` reads the ini, ``calendar`` does business-time arithmetic, ``levels`` computes a
ticket's due times from its history (``desk.workflow`` stores them on every change),
``breaches`` records the targets missed (a periodic job), ``report`` sums them up.
"""

from sqlalchemy.orm import Session

from .policy import NO_TARGETS, SETTINGS_KEY, SlaPolicy, policy_from_settings

#: ``Session.info`` key of the policy: every session from the app's factory carries it, so
#: that the workflow, called from the API, the admin, scripts and workers, finds it.
SESSION_KEY = "desk.sla"


def sla_policy(dbsession: Session) -> SlaPolicy:
    """The service levels of the deployment ``dbsession`` belongs to (none if it has none)."""
    return dbsession.info.get(SESSION_KEY, NO_TARGETS)


def includeme(config) -> None:
    """Give every session of the app's factory the ini's policy (parsed at start)."""
    policy = policy_from_settings(config.get_settings())
    factory = config.registry["dbsession_factory"]
    factory.kw.setdefault("info", {})[SESSION_KEY] = policy
    config.registry[SETTINGS_KEY] = policy


__all__ = ["SlaPolicy", "policy_from_settings", "sla_policy"]
