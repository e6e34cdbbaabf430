"""Settings: environment overrides, and a production deployment that refuses to be unsafe."""

import pytest

from desk.settings import ConfigurationError, load_settings

SECRET = "s" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DESK_JWT_SECRET", raising=False)


def production(**settings) -> dict:
    return {"desk.env": "production", "sqlalchemy.url": "postgresql://db/desk", **settings}


def test_production_refuses_to_start_without_a_secret():
    with pytest.raises(ConfigurationError, match="DESK_JWT_SECRET"):
        load_settings(production())


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("DESK_JWT_SECRET", "too-short")
    with pytest.raises(ConfigurationError):
        load_settings(production())


def test_production_takes_the_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("DESK_JWT_SECRET", SECRET)
    assert load_settings(production())["desk.jwt.secret"] == SECRET


def test_production_needs_a_database():
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        load_settings(production(**{"sqlalchemy.url": "", "desk.jwt.secret": SECRET}))


def test_development_falls_back_to_a_fixed_key():
    settings = load_settings({"sqlalchemy.url": "sqlite://"})
    assert len(settings["desk.jwt.secret"]) >= 32


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
        ("postgresql://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///var/x.sqlite", "sqlite:///var/x.sqlite"),
    ],
)
def test_database_url_from_the_environment_wins(monkeypatch, given, used):
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_settings({"sqlalchemy.url": "sqlite://"})["sqlalchemy.url"] == used


def test_registration_roles_are_a_list_in_capitals():
    settings = load_settings(
        {"sqlalchemy.url": "sqlite://", "desk.registration.roles": "requester Operator"}
    )
    assert settings["desk.registration.roles"] == ["REQUESTER", "OPERATOR"]
