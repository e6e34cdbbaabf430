"""Housekeeping (desk/housekeeping.py, ``desk-prune``): what has expired goes, nothing else."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from desk.housekeeping import prune
from desk.models import IdempotencyKey, LoginFailure, RefreshToken, utcnow
from desk.notifications.config import notification_config
from desk.notifications.worker import PERIODIC_JOBS, Worker
from desk.scripts import prune as prune_script
from tests.support.inifiles import write_ini

HOUR = timedelta(hours=1)


def plant(registry, user) -> dict:
    """Two rows per table, one expired and one still in use; the names of the live ones."""
    now = utcnow()
    window = timedelta(seconds=int(registry.settings["desk.login.window"]))
    session = registry["dbsession_factory"]()
    session.add_all(
        [
            RefreshToken(
                token_hash="a" * 64, family_id="f1", user_id=user.id, expires_at=now - HOUR
            ),
            RefreshToken(
                token_hash="b" * 64, family_id="f2", user_id=user.id, expires_at=now + HOUR
            ),
            # An unknown username from an unknown address: pruned like any other.
            LoginFailure(username_key="nobody", address="203.0.113.9", failed_at=now - window * 2),
            LoginFailure(username_key="recent", address="203.0.113.9", failed_at=now),
            IdempotencyKey(
                user_id=user.id, key="old", fingerprint="0" * 64, created_at=now - 25 * HOUR
            ),
            IdempotencyKey(user_id=user.id, key="new", fingerprint="0" * 64, created_at=now),
        ]
    )
    session.commit()
    session.close()
    return {"refresh_tokens": "b" * 64, "login_failures": "recent", "idempotency_keys": "new"}


def remaining(registry) -> dict:
    session = registry["dbsession_factory"]()
    try:
        return {
            "refresh_tokens": session.scalars(select(RefreshToken.token_hash)).all(),
            "login_failures": session.scalars(select(LoginFailure.username_key)).all(),
            "idempotency_keys": session.scalars(select(IdempotencyKey.key)).all(),
        }
    finally:
        session.close()


def test_prune_removes_what_expired_and_keeps_the_rest(registry, make):
    live = plant(registry, make.user())
    session = registry["dbsession_factory"]()
    counts = prune(session, registry.settings, utcnow())
    session.close()
    assert counts == {"refresh_tokens": 1, "login_failures": 1, "idempotency_keys": 1}
    assert remaining(registry) == {table: [value] for table, value in live.items()}


def test_the_workers_prune_as_a_periodic_job(registry, make):
    live = plant(registry, make.user())
    assert "prune" in {job.name for job in PERIODIC_JOBS}
    worker = Worker(
        registry["dbsession_factory"], registry.settings, notification_config(registry.settings)
    )
    worker.run_periodic()
    assert remaining(registry) == {table: [value] for table, value in live.items()}


def test_prune_works_in_batches_until_nothing_is_left(registry):
    session = registry["dbsession_factory"]()
    old = utcnow() - timedelta(days=30)
    session.add_all(
        LoginFailure(username_key=f"u{n}", address="198.51.100.1", failed_at=old) for n in range(7)
    )
    session.commit()
    counts = prune(session, registry.settings, utcnow(), batch_size=2)
    assert counts["login_failures"] == 7
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    session.close()


@pytest.fixture
def ini(tmp_path, settings) -> str:
    return write_ini(tmp_path, settings)


def test_desk_prune_reports_what_it_removed(ini, registry, make, capsys):
    plant(registry, make.user())
    assert prune_script.main([ini]) == 0
    out = capsys.readouterr().out
    assert "refresh_tokens: 1 removed" in out
    assert "login_failures: 1 removed" in out
    assert "idempotency_keys: 1 removed" in out
    assert prune_script.main([ini, "--batch-size", "0"]) == 2
