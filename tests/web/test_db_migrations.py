"""Tests of the database migrations (web.migrations), `patrol db` and PostgreSQL support."""

from __future__ import annotations

import glob
import multiprocessing
import os
import pwd
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    inspect,
    select,
    text,
)

from web import create_app
from web.accounts.users import create_user
from web.cli import cli
from web.db import (
    Base,
    CheckIn,
    Edit,
    Job,
    Plan,
    _sqlite_pragmas,
    engine_of,
    init_db,
    new_session,
)
from web.migrations import (
    DatabaseSetupError,
    current_revision,
    downgrade_database,
    head_revision,
    upgrade_database,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy.engine import Engine

NOW = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


def _old_metadata() -> MetaData:
    """The schema that ``create_all`` made before migrations (web/db.py before revision 0002)."""
    meta = MetaData()
    Table(
        "users",
        meta,
        Column("id", Integer, primary_key=True),
        Column("name", String(40), unique=True, index=True, nullable=False),
        Column("password_hash", String(255), nullable=False),
        Column("role", String(16), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    Table(
        "user_groups",
        meta,
        Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
        Column("group_id", String(40), primary_key=True),
    )
    Table(
        "plans",
        meta,
        Column("id", Integer, primary_key=True),
        Column("title", String(200), nullable=False),
        Column("district", String(100), nullable=False),
        Column("start", String(10), nullable=False),
        Column("days", Integer, nullable=False),
        Column("seed", Integer, nullable=False),
        Column("status", String(16), nullable=False),
        Column("message", String(500), nullable=False),
        Column("created_by_id", Integer, ForeignKey("users.id"), nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("path", String(1000), nullable=False),
    )
    Table(
        "jobs",
        meta,
        Column("id", Integer, primary_key=True),
        Column("plan_id", Integer, ForeignKey("plans.id"), index=True, nullable=False),
        Column("params", String(2000), nullable=False),
        Column("status", String(16), index=True, nullable=False),
        Column("stage", String(32), nullable=False),
        Column("done", Integer, nullable=False),
        Column("total", Integer, nullable=False),
        Column("message", String(500), nullable=False),
        Column("cancel_requested", Boolean, nullable=False),
        Column("created_by_id", Integer, ForeignKey("users.id"), nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("started_at", DateTime(timezone=True), nullable=True),
        Column("finished_at", DateTime(timezone=True), nullable=True),
    )
    return meta


def _old_rows(engine: Engine, meta: MetaData) -> None:
    """Put one user with a group, two plans and a job into an old-schema database."""
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            t["users"].insert(),
            [{"id": 1, "name": "ada", "password_hash": "h", "role": "captain", "created_at": NOW}],
        )
        conn.execute(t["user_groups"].insert(), [{"user_id": 1, "group_id": "A"}])
        plan = {"district": "d", "start": "2026-12-07", "days": 2, "seed": 0, "status": "ready"}
        plan |= {"message": "", "created_by_id": 1, "created_at": NOW, "path": "plans/1/plan.json"}
        conn.execute(
            t["plans"].insert(),
            [plan | {"id": 1, "title": "week 1"}, plan | {"id": 2, "title": "week 2"}],
        )
        job = {"id": 5, "plan_id": 2, "params": "{}", "status": "done", "stage": "routes"}
        job |= {"done": 3, "total": 3, "message": "", "cancel_requested": False}
        job |= {"created_by_id": 1, "created_at": NOW}
        conn.execute(t["jobs"].insert(), [job])


def _schema_diff(engine: Engine, meta: MetaData) -> list:
    """Return Alembic's autogenerate differences between the database and ``meta``."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), meta)


def _sqlite_app(folder: Path, url: str, **config: object) -> Flask:
    settings = {"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(folder / "inst")}
    return create_app(settings | {"DATABASE_URL": url} | config)


def test_fresh_upgrade_gives_exactly_the_models_schema(make_web_app) -> None:
    """Tests that a new database migrated to head has the tables of web.db and nothing else."""
    app = make_web_app()
    engine = engine_of(app)
    assert app.extensions["patrol_db_migration"].before is None
    assert app.extensions["patrol_db_migration"].after == head_revision() == "0007"
    assert current_revision(engine) == "0007"
    assert _schema_diff(engine, Base.metadata) == []
    names = set(inspect(engine).get_table_names())
    assert names == set(Base.metadata.tables) | {"alembic_version"}


def test_the_migration_connection_returns_to_the_pool_as_it_was(tmp_path: Path) -> None:
    """Tests that foreign keys and the busy timeout are restored after a run, even a failed one."""
    engine = create_engine("sqlite:///" + str(tmp_path / "one.sqlite3"), pool_size=1)
    event.listen(engine, "connect", _sqlite_pragmas)
    pragmas = "SELECT * FROM pragma_foreign_keys, pragma_busy_timeout"
    assert upgrade_database(engine).after == "0007"
    with engine.connect() as conn:
        assert tuple(conn.execute(text(pragmas)).one()) == (1, 5000)
    with pytest.raises(DatabaseSetupError, match="Can't locate revision identified by 'x'"):
        upgrade_database(engine, "x")
    with engine.connect() as conn:
        assert tuple(conn.execute(text(pragmas)).one()) == (1, 5000)
    engine.dispose()


def test_old_create_all_database_is_adopted_and_keeps_its_rows(tmp_path: Path) -> None:
    """Tests that a database made by create_all before migrations is stamped 0001, upgraded."""
    url = "sqlite:///" + str(tmp_path / "old.sqlite3")
    old = _old_metadata()
    engine = create_engine(url)
    old.create_all(engine)
    _old_rows(engine, old)
    engine.dispose()

    app = _sqlite_app(tmp_path, url)
    done = app.extensions["patrol_db_migration"]
    assert (done.before, done.adopted, done.after) == (None, "0001", "0007")
    assert _schema_diff(engine_of(app), Base.metadata) == []
    with new_session(app) as session:
        plans = session.scalars(select(Plan).order_by(Plan.id)).all()
        assert [(p.title, p.data_version, p.created_by.name) for p in plans] == [
            ("week 1", 0, "ada"),
            ("week 2", 0, "ada"),
        ]
        job = session.get(Job, 5)
        assert job is not None and job.plan.title == "week 2" and job.finished
        session.add(Edit(user_id=1, kind="area", action="add", target="KA1", after="{}"))
        session.add(
            CheckIn(plan_id=1, stop="A/1", site="KA1", group_id="A", day="2026-12-07",
                    shift="day", lon=121.5, lat=31.2, distance_m=12.0)
        )  # fmt: skip
        session.commit()
    again = _sqlite_app(tmp_path, url).extensions["patrol_db_migration"]
    assert (again.before, again.after, again.changed) == ("0007", "0007", False)


def test_database_made_by_todays_create_all_is_stamped_head(tmp_path: Path) -> None:
    """Tests that an unversioned database with the 0002 tables is stamped 0002 and upgraded."""
    url = "sqlite:///" + str(tmp_path / "new.sqlite3")
    engine = create_engine(url)
    upgrade_database(engine, "0002")  # the tables create_all made when 0002 was the head
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    engine.dispose()
    app = _sqlite_app(tmp_path, url)
    done = app.extensions["patrol_db_migration"]
    assert (done.before, done.adopted, done.after) == (None, "0002", "0007")
    assert _schema_diff(engine_of(app), Base.metadata) == []


def test_database_matching_no_revision_is_refused_in_one_sentence(tmp_path: Path) -> None:
    """Tests that partial or unknown schemas stop the app with one sentence and stay untouched."""
    url = "sqlite:///" + str(tmp_path / "odd.sqlite3")
    engine = create_engine(url)
    old = _old_metadata()
    old.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE edits (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseSetupError, match=r"part of the tables of revision 0002") as err:
        _sqlite_app(tmp_path, url)
    assert "\n" not in str(err.value)
    assert "alembic_version" not in inspect(engine).get_table_names()

    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE edits")
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0042')")
    with pytest.raises(DatabaseSetupError, match=r"Can't locate revision identified by '0042'"):
        _sqlite_app(tmp_path, url)
    assert current_revision(engine) == "0042"
    engine.dispose()


def test_downgrade_to_0001_and_back_on_sqlite(make_web_app) -> None:
    """Tests that head -> 0001 gives the old schema, keeps plans and jobs, and upgrades again."""
    app = make_web_app()
    engine = engine_of(app)
    with new_session(app) as session:
        plan = Plan(title="p", district="d", start="2026-12-07", days=1, data_version=3)
        session.add(plan)
        session.flush()
        session.add(Job(plan_id=plan.id, status="done"))
        session.add(Edit(kind="area", action="add", target="KA1"))
        session.commit()
        plan_id = plan.id

    done = downgrade_database(engine, "0001")
    assert (done.before, done.after) == ("0007", "0001")
    assert _schema_diff(engine, _old_metadata()) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM plans")).scalars().all() == ["p"]
        assert conn.execute(text("SELECT plan_id FROM jobs")).scalars().all() == [plan_id]
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1

    assert upgrade_database(engine).after == "0007"
    assert _schema_diff(engine, Base.metadata) == []
    with new_session(app) as session:
        assert session.get(Plan, plan_id).data_version == 0  # type: ignore[union-attr]


def _racer(url: str, folder: str, go, out) -> None:  # type: ignore[no-untyped-def]
    """Start the database of a new app (web.db.init_db) on ``url`` once ``go`` is set."""
    app = Flask("racer", instance_path=folder)
    app.config["DATABASE_URL"] = url
    go.wait(30)
    try:
        init_db(app)
        done = app.extensions["patrol_db_migration"]
        out.put([done.before, done.after])
    except BaseException as exc:
        out.put(["error", repr(exc)])


def _race(tmp_path: Path, url: str, processes: int = 3) -> list[list[str | None]]:
    """Start ``processes`` app databases at the same moment; return their migrations, sorted.

    The processes are forked from this one, which has imported everything already, so they
    reach the database together.
    """
    fork = multiprocessing.get_context("fork")
    go, out = fork.Event(), fork.Queue()
    racers = [
        fork.Process(target=_racer, args=(url, str(tmp_path / f"inst{i}"), go, out))
        for i in range(processes)
    ]
    for racer in racers:
        racer.start()
    go.set()
    results = [out.get(timeout=60) for _ in racers]
    for racer in racers:
        racer.join(30)
    assert all(pair[0] != "error" for pair in results), results
    return sorted(results, key=lambda pair: pair[0] or "")


def test_apps_starting_at_once_migrate_a_sqlite_database_once(tmp_path: Path) -> None:
    """Tests that three processes starting together on one new SQLite file migrate it once."""
    url = "sqlite:///" + str(tmp_path / "race.sqlite3")
    results = _race(tmp_path, url)
    assert results == [[None, "0007"], ["0007", "0007"], ["0007", "0007"]]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            "0007"
        ]
    assert _schema_diff(engine, Base.metadata) == []
    engine.dispose()


def _run_db(env: dict[str, str], *args: str):
    return CliRunner(env=env).invoke(cli, ["db", *args])


def test_db_commands_report_and_upgrade(tmp_path: Path) -> None:
    """Tests `patrol db current` and `upgrade` on an old database with auto-upgrade off."""
    path = tmp_path / "old.sqlite3"
    url = "sqlite:///" + str(path)
    old = _old_metadata()
    engine = create_engine(url)
    old.create_all(engine)
    _old_rows(engine, old)
    engine.dispose()
    env = {
        "PATROL_INSTANCE": str(tmp_path / "inst"),
        "PATROL_DATABASE_URL": url,
        "PATROL_DATABASE_UPGRADE": "off",
    }
    result = _run_db(env, "current")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{url}: no revision (made before migrations; head is 0007, run patrol db upgrade)\n"
    )
    result = _run_db(env, "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Stamped the database {url}, made before migrations, as 0001 "
        "and upgraded it to 0007 (head).\n"
    )
    assert _run_db(env, "current").output == f"{url}: 0007 (head)\n"
    assert _run_db(env, "upgrade").output == f"The database {url} is already at 0007 (head).\n"

    result = _run_db(env, "upgrade", "0042")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: Cannot migrate the database {url}: Can't locate revision identified by '0042'.\n"
    )


def test_db_commands_after_an_upgrade_at_start_and_bad_settings(tmp_path: Path) -> None:
    """Tests that `patrol db` tells of the upgrade made at start, and bad settings in one line."""
    url = "sqlite:///" + str(tmp_path / "new.sqlite3")
    env = {"PATROL_INSTANCE": str(tmp_path / "inst"), "PATROL_DATABASE_URL": url}
    result = _run_db(env, "upgrade")
    assert result.output == f"Upgraded the database {url} from empty to 0007 (head).\n"
    result = _run_db(env, "current")
    assert result.output == f"{url}: 0007 (head)\n"

    result = _run_db(env | {"PATROL_DATABASE_UPGRADE": "maybe"}, "current")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: DATABASE_UPGRADE must be on or off (1/0, true/false, yes/no), not 'maybe'.\n"
    )
    result = _run_db(env | {"PATROL_DATABASE_URL": "nosuchdb://u:secret@h/x"}, "current")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: The database URL nosuchdb://u:***@h/x cannot be used")
    assert "secret" not in result.stderr and result.stderr.count("\n") == 1


# --- PostgreSQL: a throwaway server of the installed binaries -------------------------------


def _postgres_bin() -> Path | None:
    """Return the folder of the newest installed PostgreSQL server binaries, or None."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


class _Server:
    """A PostgreSQL cluster in a temporary folder, listening only on a unix socket there."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user: str | None = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            self.user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
            if self.user is None or shutil.which("runuser") is None:
                pytest.skip("running as root without a postgres/nobody user and runuser")
        self.folder = Path(tempfile.mkdtemp(prefix="patrol-pg-"))
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.data = self.folder / "data"

    def run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(
            command, cwd=self.folder, capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            log = self.folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stderr}{result.stdout}{tail}")

    def start(self) -> str:
        self.run("initdb", "-D", str(self.data), "-U", "patrol", "-A", "trust", "-E", "UTF8",
                 "--no-sync")  # fmt: skip
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = ''\nunix_socket_directories = '{self.folder}'\n"
                "port = 5432\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start")
        return f"postgresql+psycopg://patrol@/postgres?host={self.folder}&port=5432"

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def postgres() -> Iterator[Callable[[str], str]]:
    """Start a throwaway PostgreSQL server; yield ``new_db(name) -> URL`` of a fresh database."""
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql"
        )
    server = _Server(bindir)
    admin_url = server.start()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def new_db(name: str) -> str:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        return admin_url.replace("/postgres?", f"/{name}?")

    try:
        yield new_db
    finally:
        admin.dispose()
        server.stop()


def test_postgresql_migrations_and_round_trip(postgres, tmp_path: Path, monkeypatch) -> None:
    """Tests the migrations and a user/plan/edit/check-in round trip on a real PostgreSQL."""
    url = postgres("roundtrip")
    monkeypatch.setenv("PATROL_DATABASE_URL", url)
    settings = {"TESTING": True, "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path / "inst")}
    app = create_app(settings)
    engine = engine_of(app)
    assert engine.dialect.name == "postgresql"
    assert app.extensions["patrol_db_migration"].after == "0007"
    assert _schema_diff(engine, Base.metadata) == []
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    print(f"PostgreSQL {version}")

    with new_session(app) as session:
        user = create_user(session, "ada", "member", "correct horse", method="pbkdf2:sha256:1000",
                           groups=["A"])  # fmt: skip
        plan = Plan(title="week", district="d", start="2026-12-07", days=2, created_by_id=user.id)
        session.add(plan)
        session.flush()
        edit = Edit(user_id=user.id, kind="area", action="add", target="KA1", after='{"a": 1}')
        check = CheckIn(plan_id=plan.id, stop="A/1", site="KA1", group_id="A", day="2026-12-07",
                        shift="day", user_id=user.id, at=NOW, lon=121.47, lat=31.23,
                        accuracy_m=8.5, distance_m=14.0, late_minutes=2.5)  # fmt: skip
        session.add_all([edit, check])
        session.commit()
        ids = (plan.id, edit.id, check.id)
    with new_session(app) as session:
        got = session.get(Plan, ids[0])
        assert got is not None and got.created_by.name == "ada" and got.data_version == 0
        assert session.get(Edit, ids[1]).after == '{"a": 1}'  # type: ignore[union-attr]
        got_check = session.get(CheckIn, ids[2])
        assert got_check is not None and got_check.at == NOW and got_check.user.name == "ada"
        assert (got_check.lon, got_check.accuracy_m, got_check.late_minutes) == (121.47, 8.5, 2.5)

    done = downgrade_database(engine, "0001")
    assert done.after == "0001"
    assert _schema_diff(engine, _old_metadata()) == []
    assert upgrade_database(engine).after == "0007"
    with new_session(app) as session:
        assert session.get(Plan, ids[0]).title == "week"  # type: ignore[union-attr]
    engine.dispose()


def test_postgresql_old_database_and_processes_starting_at_once(postgres, tmp_path: Path) -> None:
    """Tests adopting a create_all database on PostgreSQL, and three apps racing on a new one."""
    url = postgres("old")
    old = _old_metadata()
    engine = create_engine(url)
    old.create_all(engine)
    _old_rows(engine, old)
    done = upgrade_database(engine)
    assert (done.adopted, done.after) == ("0001", "0007")
    assert _schema_diff(engine, Base.metadata) == []
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT title, data_version FROM plans ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("week 1", 0), ("week 2", 0)]
    engine.dispose()

    url = postgres("race")
    results = _race(tmp_path, url)
    assert results == [[None, "0007"], ["0007", "0007"], ["0007", "0007"]]
    engine = create_engine(url)
    assert _schema_diff(engine, Base.metadata) == []
    engine.dispose()


def test_a_user_signs_in_once_per_stop_even_at_the_same_moment(make_web_app) -> None:
    """Tests that the migrated check-in table itself refuses a second sign-in of one user at one
    stop of a plan (two requests racing past the page's own check), not a different stop."""
    from sqlalchemy.exc import IntegrityError

    app = make_web_app()
    with new_session(app) as session:
        plan = Plan(title="p", district="d", start="2026-12-07", days=1)
        session.add(plan)
        session.commit()
        user_id = session.scalar(select(text("id")).select_from(text("users")).limit(1))

        def row(stop: str) -> CheckIn:
            return CheckIn(
                plan_id=plan.id, stop=stop, site="s", group_id="A", day="2026-12-07",
                shift="D", user_id=user_id, lon=118.78, lat=32.04, distance_m=3.0,
            )  # fmt: skip

        session.add(row("r1|1"))
        session.commit()
        session.add(row("r1|2"))
        session.commit()
        session.add(row("r1|1"))
        with pytest.raises(IntegrityError):
            session.commit()
