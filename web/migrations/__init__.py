"""Schema migrations of the web app's database (Alembic), run from code without alembic.ini."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger("web")

MIGRATIONS_DIR = Path(__file__).resolve().parent
"""The Alembic script folder: ``env.py``, ``script.py.mako`` and ``versions/``."""

FIRST_TABLES = ("users", "user_groups", "plans", "jobs")
"""The tables of revision 0001, the schema that ``metadata.create_all`` made before migrations."""

ADVISORY_LOCK_KEY = 7_315_082_614_409_001
"""PostgreSQL advisory lock key held while the schema is migrated (any fixed bigint)."""

SQLITE_LOCK_WAIT_MS = 60_000
"""How long a process waits for another one migrating the same SQLite database."""

_ALEMBIC_LOCK = threading.Lock()
"""Alembic's ``op`` and ``context`` are module-level proxies: one migration per process at once."""


class DatabaseSetupError(InputError):
    """A database that cannot be opened or brought to the schema of this version of the app."""


@dataclass(frozen=True, slots=True)
class Migration:
    """What one migration run found and left.

    Attributes
    ----------
    before
        The revision found (None: an empty database, or one made before migrations).
    after
        The revision left.
    adopted
        For a database made before migrations: the revision its tables matched, stamped
        before upgrading; None otherwise.
    """

    before: str | None
    after: str | None
    adopted: str | None = None

    @property
    def changed(self) -> bool:
        """True when the run changed the schema or stamped the database."""
        return self.before != self.after or self.adopted is not None


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Return an Alembic configuration of the app's migrations, built in code.

    Parameters
    ----------
    connection
        Connection that ``env.py`` migrates (it must already be in its transaction).
    url
        Database URL for when no connection is given (the ``alembic`` command line).

    Returns
    -------
    alembic.config.Config
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """Return the newest revision of the migration scripts."""
    head = _script().get_current_head()
    assert head is not None, "the migration scripts have no head"
    return head


def safe_url(engine: Engine) -> str:
    """Return the engine's URL with its password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision (None: empty, or made before migrations).

    Raises
    ------
    DatabaseSetupError
        If the database cannot be opened.
    """
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        raise DatabaseSetupError(_cannot(engine, "open", exc)) from exc


def upgrade_database(engine: Engine, revision: str = "head") -> Migration:
    """Bring the database of ``engine`` to ``revision`` (default: the newest).

    The migration scripts live in ``versions/`` beside this module and ship with the package.
    Every step runs on one connection, in one transaction, under a lock taken before the
    current revision is read, so that processes starting at once migrate the database once:
    SQLite's write lock (``BEGIN IMMEDIATE``, waiting up to the busy timeout) or a
    PostgreSQL transaction-scoped advisory lock. A database made before migrations (tables
    made by ``metadata.create_all``, no ``alembic_version`` table) is first stamped with the
    revision its tables match, then upgraded; its rows are kept. New revisions:
    ``alembic.command.revision(alembic_config(url=URL), message=..., autogenerate=True)``
    against a database at head, then review the script.

    Parameters
    ----------
    engine
        Engine of the database (SQLite or PostgreSQL).
    revision
        Target revision.

    Returns
    -------
    Migration
        The revisions before and after; nothing runs when the database is already there.

    Raises
    ------
    DatabaseSetupError
        If the database cannot be opened, is at a revision these scripts do not know, or its
        tables match no revision; nothing is changed then.
    """
    target = head_revision() if revision == "head" else revision
    if current_revision(engine) == target:  # the common case: no lock, no Alembic run
        return Migration(before=target, after=target)
    return _locked(engine, lambda config: command.upgrade(config, revision), adopt=True)


def downgrade_database(engine: Engine, revision: str) -> Migration:
    """Bring the database of ``engine`` back to ``revision`` (data of dropped tables is lost).

    Raises
    ------
    DatabaseSetupError
        As :func:`upgrade_database`.
    """
    return _locked(engine, lambda config: command.downgrade(config, revision), adopt=False)


def _locked(engine: Engine, step: Callable[[Config], None], *, adopt: bool) -> Migration:
    """Run ``step`` on one connection, in one transaction, under the database's migration lock."""
    sqlite = engine.dialect.name == "sqlite"
    with _ALEMBIC_LOCK:
        try:
            connection = engine.connect()
        except DBAPIError as exc:
            raise DatabaseSetupError(_cannot(engine, "open", exc)) from exc
        pragmas: dict[str, int] = {}
        try:
            if sqlite:
                # Batch migrations copy tables: foreign keys are checked once at the end instead.
                # The pragma has no effect inside a transaction, so it comes first. Another
                # process migrating holds the write lock: wait for it longer than for a request.
                for name in ("foreign_keys", "busy_timeout"):
                    pragmas[name] = int(connection.exec_driver_sql(f"PRAGMA {name}").scalar() or 0)
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif engine.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
            context = MigrationContext.configure(connection)
            before = context.get_current_revision()
            adopted = _adopt(engine, connection) if adopt and before is None else None
            config = alembic_config(connection)
            if adopted is not None:
                command.stamp(config, adopted)
            step(config)
            after = context.get_current_revision()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    msg = (
                        f"Migrating the database {safe_url(engine)} would leave "
                        f"{len(broken)} rows pointing at missing rows (first in table "
                        f"{broken[0][0]}), so it was left as it was."
                    )
                    raise DatabaseSetupError(msg)
            connection.commit()
        except DBAPIError as exc:
            connection.invalidate()  # closing it rolls back whatever was done
            raise DatabaseSetupError(_cannot(engine, "migrate", exc)) from exc
        except BaseException as exc:
            connection.rollback()
            if isinstance(exc, CommandError):
                msg = f"Cannot migrate the database {safe_url(engine)}: {_first_line(exc)}."
                raise DatabaseSetupError(msg) from exc
            raise
        finally:
            if sqlite and not connection.invalidated:
                for name, value in pragmas.items():
                    connection.exec_driver_sql(f"PRAGMA {name}={value}")
                connection.commit()
            connection.close()
    if adopted is not None:
        logger.info("Database %s made before migrations: stamped %s", safe_url(engine), adopted)
    if before != after:
        logger.info("Database %s migrated from %s to %s", safe_url(engine), before, after)
    return Migration(before=before, after=after, adopted=adopted)


def _adopt(engine: Engine, connection: Connection) -> str | None:
    """Return the revision that an unversioned database's tables match (None: no tables)."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    first = [name for name in FIRST_TABLES if name in tables]
    if not first:
        return None
    if len(first) < len(FIRST_TABLES):
        missing = ", ".join(name for name in FIRST_TABLES if name not in tables)
        msg = (
            f"The database {safe_url(engine)} has some of the app's tables but not {missing}, "
            "so it matches no schema revision."
        )
        raise DatabaseSetupError(msg)
    columns = {column["name"] for column in inspector.get_columns("plans")}
    second = ["data_version" in columns, "edits" in tables, "check_ins" in tables]
    if not any(second):
        return "0001"
    if all(second):
        users = {column["name"] for column in inspector.get_columns("users")}
        third = [name in users for name in ("session_version", "disabled", "must_change_password")]
        if all(third):
            return "0003"
        if not any(third):
            return "0002"
        msg = (
            f"The database {safe_url(engine)} has part of the columns of revision 0003 "
            "(users.session_version, disabled, must_change_password) and no alembic_version "
            "table, so it matches no schema revision."
        )
        raise DatabaseSetupError(msg)
    msg = (
        f"The database {safe_url(engine)} has part of the tables of revision 0002 "
        "(plans.data_version, edits, check_ins) and no alembic_version table, "
        "so it matches no schema revision."
    )
    raise DatabaseSetupError(msg)


def _first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message, without a final full stop."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__).rstrip(".")


def _cannot(engine: Engine, what: str, exc: BaseException) -> str:
    """Return the one-sentence message for a database that cannot be opened or migrated."""
    return f"Cannot {what} the database {safe_url(engine)}: {_first_line(exc)}."
