"""Alembic environment: the only way CaseFlow's schema changes."""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import caseflow.models  # noqa: F401  (registers every model on Base.metadata)
from caseflow.core.database import Base

config = context.config


def render_item(type_, obj, autogen_context):
    """Write our TypeDecorators as their plain database types, so migrations never depend on
    application code that may later change (encryption and UTC handling happen in Python)."""
    from sqlalchemy.types import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl if not isinstance(obj.impl, type) else obj.impl()
        return "sa." + repr(impl)
    return False
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def include_object(obj, name, type_, reflected, compare_to):
    # scripts/regen-initial-migration passes the tables later revisions create, so rebuilding
    # the unreleased 0001 never swallows them.
    excluded = config.attributes.get("exclude_tables", ())
    table = obj.name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table not in excluded


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          render_item=render_item, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
