"""Alembic environment of the web app's database: the tables of :mod:`web.db`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from web.db import Base

config = context.config
target_metadata = Base.metadata


def _run_offline() -> None:
    """Write the migrations' SQL for ``sqlalchemy.url`` instead of running them."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    """Run the migrations on the connection handed over by :mod:`web.migrations`.

    That connection already holds the migration lock and its transaction, which the caller
    commits; without one (the ``alembic`` command with a config file), connect to
    ``sqlalchemy.url``.
    """
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as own:
        context.configure(connection=own, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
