"""Alembic environment: the database of the same ini file the server uses."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from desk.models import Base, get_engine
from desk.models.meta import UTCDateTime
from desk.settings import with_overrides

config = context.config
setup_logging(config.config_file_name)
settings = with_overrides(get_appsettings(config.config_file_name))
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Write app column types as plain SQLAlchemy ones: a migration must not import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave PostgreSQL-only indexes (``ddl_if``) out of comparisons on other databases."""
    if type_ == "index" and not reflected:
        condition = getattr(obj, "_ddl_if", None)
        if condition is not None and condition.dialect != context.get_bind().dialect.name:
            return False
    return True


def run_migrations_offline() -> None:
    context.configure(
        url=settings["sqlalchemy.url"], target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = get_engine(settings)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Never queue behind a long transaction holding a lock the migration needs.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            connection.exec_driver_sql("SET statement_timeout = '15min'")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
