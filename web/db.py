"""The web app's database: users with roles and stored plans, through SQLAlchemy 2."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.engine import Engine

ROLES = ("admin", "captain", "planner", "member", "viewer")
"""User roles, most powerful first."""

PLAN_STATUSES = ("queued", "running", "ready", "failed", "cancelled")
"""States of a stored plan: being made (queued, running), usable (ready), failed or cancelled."""

PLAN_STATES = ("draft", "published", "superseded")
"""Whether a ready plan is in force: made but not handed out (draft), the plan in force for
its period (published), or replaced by a later published plan of an overlapping period."""

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
"""States of a background job."""


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of the app's tables."""


class User(Base):
    """A person who logs in, with one role of :data:`ROLES`."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Sessions and tokens made under another version are over (see :mod:`web.accounts.auth`)."""
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A disabled user cannot sign in; their sessions and tokens end."""
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    """Set for first-start accounts and passwords reset by an admin."""


class UserGroup(Base):
    """A patrol group (roster group id, e.g. ``"A"``) whose routes a member user may see."""

    __tablename__ = "user_groups"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(40), primary_key=True)


class Plan(Base):
    """A plan stored as a plan.json file (``path``) and listed in the app.

    ``path`` is relative to the instance folder when the file lies inside it, so the folder
    can be moved; absolute otherwise.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(100))
    start: Mapped[str] = mapped_column(String(10))
    days: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="ready")
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    path: Mapped[str] = mapped_column(String(1000), default="")
    data_version: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    job: Mapped[Job | None] = relationship(back_populates="plan", uselist=False)

    def plan_file(self, instance_path: str | Path) -> Path:
        """Return the absolute path of the stored plan.json."""
        path = Path(self.path)
        return path if path.is_absolute() else Path(instance_path) / path


class Job(Base):
    """A background job that makes one plan; it survives restarts in this table.

    ``params`` is the JSON text of the planning settings (start, days, seed, time_limit).
    Progress is the pipeline's last report: ``stage``, ``done`` of ``total``. ``attempts``
    counts the runs that started it; ``worker`` names the process of the latest
    (``host/pid``), which renews ``heartbeat_at`` while it runs the job on a Celery worker.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    params: Mapped[str] = mapped_column(String(2000), default="{}")
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(32), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(200), default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    plan: Mapped[Plan] = relationship(back_populates="job")
    created_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        """True once the job is done, failed or cancelled."""
        return self.status in ("done", "failed", "cancelled")


class JobFile(Base):
    """A file of a job kept in the database, so workers on other machines can share it.

    ``inputs.zip`` is the district bundle the job plans from, ``plan.json`` the plan it made
    and ``outputs.zip`` the plan's output folder (for ``patrol city plan``).
    """

    __tablename__ = "job_files"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


EDIT_KINDS = ("area", "hotspot", "incidents", "teams", "rules", "roster")
"""What an edit changes: a key area, a hotspot pin or weight (``hotspots.toml``), the incident
records, the teams file or the rules file of the district data, or the roster of a plan in
force (an approved shift swap)."""

EDIT_ACTIONS = ("add", "update", "delete", "import", "replace", "undo", "swap")
"""How an edit changes its target."""


class Edit(Base):
    """One recorded change of the district data (the audit log): who, when, before and after.

    The data version of the district is the id of its latest edit (0: as shipped). ``before``
    and ``after`` are JSON texts of what changed (a GeoJSON feature of a key area, a file's
    text, ...; ``null`` when the target did not exist before or no longer exists after).
    An undo is itself an edit whose ``undo_of`` names the edit it reverts.
    """

    __tablename__ = "edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200), index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[str] = mapped_column(Text, default="null")
    after: Mapped[str] = mapped_column(Text, default="null")
    undo_of: Mapped[int | None] = mapped_column(ForeignKey("edits.id"), nullable=True)
    district: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    """The district whose data changed (None: the default district)."""

    user: Mapped[User | None] = relationship()


class District(Base):
    """A district added to the service besides the default one (``patrol district add``).

    ``source`` is its bundle folder; the app works on a copy of it in the instance folder
    (see :mod:`web.workspace`).
    """

    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserDistrict(Base):
    """A user's role in one district (see :mod:`web.districts.registry` for how roles are read).

    ``role`` is one of :data:`ROLES`, or ``"none"``: no role in that district.
    """

    __tablename__ = "user_districts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    district: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class CheckIn(Base):
    """A patrol member's sign-in at a checkpoint (签到) of a plan's route.

    ``stop`` identifies the planned visit inside the plan (see :mod:`web.checkin.records`), ``site``
    the key area or post. Position and its distance to the checkpoint are as reported by the
    phone; ``late_minutes`` is how late against the planned window (0 when on time). A user
    signs in at most once per stop of a plan (a unique constraint, which also holds against two
    requests at the same moment).
    """

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("plan_id", "stop", "user_id", name="uq_check_ins_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    stop: Mapped[str] = mapped_column(String(200), index=True)
    site: Mapped[str] = mapped_column(String(200), index=True)
    group_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))
    shift: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    distance_m: Mapped[float] = mapped_column(Float)
    late_minutes: Mapped[float] = mapped_column(Float, default=0.0)

    plan: Mapped[Plan] = relationship()
    user: Mapped[User | None] = relationship()


SWAP_STATUSES = ("pending", "approved", "refused", "withdrawn")
"""States of a shift swap request: waiting for a captain, approved (the roster changed),
refused by a captain (with a reason), or withdrawn by the member who asked."""


class ShiftSwap(Base):
    """A member's request to give a group's shift to another group or swap it with theirs.

    ``group_id`` works ``shift_id`` on ``day`` in plan ``plan_id``; ``other_group_id`` takes it
    over. For a swap, ``other_day`` and ``other_shift_id`` name the other group's shift taken
    in return; both are None when the shift is given away. An approval changes the plan's
    roster and names the recorded edit (``edit_id``); a refusal keeps its ``reason``.
    """

    __tablename__ = "shift_swaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    group_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))
    shift_id: Mapped[str] = mapped_column(String(40))
    other_group_id: Mapped[str] = mapped_column(String(40))
    other_day: Mapped[str | None] = mapped_column(String(10), nullable=True)
    other_shift_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    edit_id: Mapped[int | None] = mapped_column(ForeignKey("edits.id"), nullable=True)

    plan: Mapped[Plan] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


def database_url(app: Flask) -> str:
    """Return the database URL: ``DATABASE_URL`` or SQLite ``patrol.sqlite3`` in the instance."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    return "sqlite:///" + str(Path(app.instance_path) / "patrol.sqlite3")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _auto_upgrade(app: Flask) -> bool:
    """Return whether :func:`init_db` migrates: ``DATABASE_UPGRADE``, else the environment."""
    import os

    from web.migrations import DatabaseSetupError

    value = app.config.get("DATABASE_UPGRADE")
    if value is None:
        value = os.environ.get("PATROL_DATABASE_UPGRADE", "1")
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    msg = f"DATABASE_UPGRADE must be on or off (1/0, true/false, yes/no), not {value!r}."
    raise DatabaseSetupError(msg)


def init_db(app: Flask) -> Engine:
    """Create the engine of ``app``, migrate its schema and close sessions after requests.

    The schema is brought to the newest migration (:mod:`web.migrations`), unless the setting
    ``DATABASE_UPGRADE`` (or the environment variable ``PATROL_DATABASE_UPGRADE``) is off, in
    which case operators run ``patrol db upgrade`` themselves. A database made before
    migrations (by ``metadata.create_all``) is stamped with the revision it matches first.

    Parameters
    ----------
    app
        The application; the engine is kept in ``app.extensions["patrol_db"]`` and what the
        migration did in ``app.extensions["patrol_db_migration"]`` (None when not run).

    Returns
    -------
    sqlalchemy.engine.Engine

    Raises
    ------
    web.migrations.DatabaseSetupError
        If the URL is unusable or the database cannot be opened or migrated.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from web.migrations import DatabaseSetupError, upgrade_database

    url = database_url(app)
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except ArgumentError:
            shown = url.partition("://")[0] + "://..."
        msg = f"The database URL {shown} cannot be used: {str(exc).splitlines()[0]}."
        raise DatabaseSetupError(msg) from exc
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    app.extensions["patrol_db"] = engine
    app.extensions["patrol_db_migration"] = upgrade_database(engine) if _auto_upgrade(app) else None

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return engine


def engine_of(app: Flask | None = None) -> Engine:
    """Return the engine made by :func:`init_db` for ``app`` (default: the current app)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions["patrol_db"]  # type: ignore[no-any-return]


def db_session() -> Session:
    """Return this request's (app context's) database session, closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(engine_of(), expire_on_commit=False)
    return g.db_session  # type: ignore[no-any-return]


def new_session(app: Flask) -> Session:
    """Return a fresh session of ``app``'s database, for commands and background threads."""
    return Session(engine_of(app), expire_on_commit=False)


def find_user(session: Session, name: str) -> User | None:
    """Return the user called ``name``, or None."""
    return session.scalars(select(User).where(User.name == name)).first()
