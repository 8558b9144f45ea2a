"""Tests of planning jobs on Celery workers (web.jobs.celery_worker) with a real redis-server."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

from geodata.bundle import DEFAULT_DISTRICT_DIR

if TYPE_CHECKING:
    from collections.abc import Iterator

DISTRICTS = ("gulou", "qinhuai", "jianye", "xuanwu", "qixia", "yuhua")
"""Six copies of the default district under six names."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on a free loopback port, persisting its queue (appendonly)."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary, self.folder = binary, folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = self.client()
        for _ in range(100):
            try:
                if client.ping():
                    return
            except Exception:
                time.sleep(0.1)
        pytest.fail("redis-server did not start")

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port)

    def stop(self) -> None:
        if self.process is None:
            return
        import redis

        with contextlib.suppress(redis.ConnectionError):
            self.client().shutdown()  # flushes the append-only file
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Start a redis-server of this test's own; skip when Debian's redis-server is absent."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found; apt-get install redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(binary, folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _copy_district(folder: Path, ident: str) -> Path:
    """Copy the default district's bundle (without source/) under the id ``ident``."""
    folder.mkdir(parents=True)
    for entry in DEFAULT_DISTRICT_DIR.iterdir():
        if entry.is_file():
            shutil.copy2(entry, folder / entry.name)
    manifest = folder / "manifest.toml"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("id =")]
    manifest.write_text(f'id = "{ident}"\n' + "\n".join(kept) + "\n", encoding="utf-8")
    return folder


def _patrol() -> list[str]:
    return [sys.executable, "-c", "from web.cli import main; main()"]


def _env(tmp_path: Path, name: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATROL_")}
    env["PATROL_INSTANCE"] = str(tmp_path / f"instance-{name}")  # each process its own disk
    env.update(extra)
    return env


def _worker(tmp_path: Path, name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(tmp_path / f"{name}.log", "wb") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [*_patrol(), "worker", "--concurrency", "1", "--loglevel", "INFO"],
            env=_env(tmp_path, name, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: main process and pool process
        )


def _children(pid: int) -> set[int]:
    """Return the pids of ``pid`` and of all its descendants."""
    found = {pid}
    for line in subprocess.run(
        ["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True
    ).stdout.splitlines():
        child, parent = (int(x) for x in line.split())
        if parent == pid:
            found |= _children(child)
    return found


@pytest.mark.slow
def test_six_districts_survive_a_broker_restart_and_a_killed_worker(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Tests the whole fault story: six district plans queued through Redis survive a restart
    of the broker before any worker runs; of two workers, one is killed with kill -9 while it
    solves; the other takes its job over, and all six plans finish and pass `patrol validate`."""
    db_url = "sqlite:///" + str(tmp_path / "shared.sqlite3")
    shared = {
        "PATROL_BROKER_URL": redis_server.url,
        "PATROL_DATABASE_URL": db_url,
        "PATROL_JOB_LEASE": "6",
    }
    folders = [_copy_district(tmp_path / "districts" / d, d) for d in DISTRICTS]
    out = tmp_path / "out"
    with open(tmp_path / "city.log", "wb") as city_log:
        city = subprocess.Popen(
            [*_patrol(), "city", "plan", "--districts", *map(str, folders), "--start",
             "2026-12-07", "--days", "1", "--time-limit", "4", "--out", str(out), "--wait"],
            env=_env(tmp_path, "city", **shared),
            stdout=city_log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    workers: list[subprocess.Popen[bytes]] = []
    try:
        client = redis_server.client()
        deadline = time.monotonic() + 120
        while client.llen("patrol-plans") < len(DISTRICTS):
            assert city.poll() is None, (tmp_path / "city.log").read_text()
            assert time.monotonic() < deadline, "the six jobs never reached the broker"
            time.sleep(0.2)
        redis_server.stop()  # a broker restart with six jobs queued and no worker yet
        redis_server.start()
        assert redis_server.client().llen("patrol-plans") == len(DISTRICTS)

        workers = [_worker(tmp_path, f"worker{i}", shared) for i in (1, 2)]
        engine = create_engine(db_url)
        victim, killed_job = workers[0], None
        deadline = time.monotonic() + 240
        while killed_job is None:
            assert time.monotonic() < deadline, "worker 1 never solved a job"
            assert city.poll() is None, (tmp_path / "city.log").read_text()
            pids = _children(victim.pid)
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT id, worker, stage FROM jobs WHERE status = 'running'")
                ).all()
            for job_id, worker, stage in rows:
                if int(worker.rpartition("/")[2]) in pids and stage in ("roster", "routes"):
                    os.killpg(victim.pid, signal.SIGKILL)  # main and pool process at once
                    victim.wait()
                    killed_job = job_id
                    break
            time.sleep(0.1)

        assert city.wait(timeout=400) == 0, (tmp_path / "city.log").read_text()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, attempts, worker FROM jobs")).all()
        engine.dispose()
        assert sorted(r[1] for r in rows) == ["done"] * len(DISTRICTS)
        taken_over = next(r for r in rows if r[0] == killed_job)
        assert taken_over[2] == 2  # started by worker 1, finished by worker 2
        assert int(taken_over[3].rpartition("/")[2]) in _children(workers[1].pid)
    finally:
        for process in [city, *workers]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL) if process in workers else process.kill()
                process.wait()

    for ident, folder in zip(DISTRICTS, folders, strict=True):
        plan = out / ident / "plan.json"
        assert json.loads(plan.read_text(encoding="utf-8"))["district"]["id"] == ident
        checked = subprocess.run(
            [*_patrol(), "validate", str(plan), "--district", str(folder)],
            env=_env(tmp_path, "validate"),
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["ok"] is True


def test_the_web_app_sends_jobs_to_the_broker_and_shows_a_workers_plan(
    redis_server: RedisServer, make_web_app, client_as
) -> None:
    """Tests that with a broker the job form keeps the district snapshot in the database and
    sends the job id to Redis instead of running it; a worker's run (from the database only)
    makes a plan whose file the web app fetches from the database when it is first shown."""
    from web.db import Job, JobFile, Plan, new_session
    from web.jobs.queue import run_job

    app = make_web_app(BROKER_URL=redis_server.url, JOB_CORES=1)
    client = client_as(app, "captain")
    form = {"title": "w", "start": "2026-12-07", "days": "1", "seed": "3", "time_limit": "2",
            "csrf_token": "tok"}  # fmt: skip
    assert client.post("/jobs/new", data=form).status_code == 302
    queued = redis_server.client().lrange("patrol-plans", 0, -1)
    assert len(queued) == 1
    headers = json.loads(queued[0])["headers"]
    assert (headers["task"], headers["argsrepr"]) == ("patrol.run_job", "[1]")
    with new_session(app) as session:
        job = session.get(Job, 1)
        assert (job.status, json.loads(job.params)["cores"]) == ("queued", 1)
        assert session.get(JobFile, (1, "inputs.zip")) is not None
        plan_id = job.plan_id

    assert run_job(app, 1, stored=True) == "done"
    with new_session(app) as session:
        plan = session.get(Plan, plan_id)
        assert plan.status == "ready"
        stored = plan.plan_file(app.instance_path)
    assert not stored.exists()  # the worker wrote the database, not this disk
    page = client.get(f"/plans/{plan_id}")
    assert page.status_code == 200
    assert stored.is_file()
    assert run_job(app, 1, stored=True) == "done"  # a second delivery changes nothing
