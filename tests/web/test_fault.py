"""Tests that killing the server (SIGKILL) mid-save or mid-solve loses no edit and leaves no
debris once it is started again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

PATROL = str(Path(sys.executable).with_name("patrol"))
NAME, PASSWORD = "fault-admin", "fault-admin-pass"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None):
    """Return the status and the JSON (or text) of one request; (0, None) if it got none."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError:  # the server was killed under it
        return 0, None
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


class Server:
    """``patrol run`` on a loopback port over one instance folder, started and killed."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.env = {**os.environ, "PATROL_INSTANCE": str(instance), "PATROL_SECRET_KEY": "k"}
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        port = _port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [PATROL, "run", "--host", "127.0.0.1", "--port", str(port), "--with-threads"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(self.base + "/login", timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def token(self) -> str:
        status, body = _call(
            self.base, "POST", "/api/v1/token", {"name": NAME, "password": PASSWORD}
        )
        assert status == 200, body
        return str(body["token"])


@pytest.fixture
def server(tmp_path: Path):
    instance = tmp_path / "instance"
    instance.mkdir()
    # No demo plan; the job worker runs as in production.
    (instance / "config.py").write_text(
        "DEMO_PLAN = False\nFIRST_USERS = False\n", encoding="utf-8"
    )
    env = {**os.environ, "PATROL_INSTANCE": str(instance)}
    subprocess.run(
        [PATROL, "users", "create", NAME, "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    srv = Server(instance)
    yield srv
    if srv.process is not None and srv.process.poll() is None:
        srv.kill()


def _debris(instance: Path) -> list[str]:
    found = [p.name for p in instance.glob(".district-*")]
    with_plans = instance / "plans"
    if with_plans.is_dir():
        found += [str(p) for p in with_plans.glob("*/data")]
    return found


def _edits(instance: Path) -> int:
    engine = create_engine(f"sqlite:///{instance / 'patrol.sqlite3'}")
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM edits")).scalar()
    engine.dispose()
    return int(count or 0)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.4])  # kill early, mid-check, late
def test_kill_during_an_edit_save_loses_nothing_and_leaves_no_debris(server, delay) -> None:
    """Tests that after SIGKILL during PUT /api/v1/teams and a restart, teams.toml is either
    as before or as saved (with its audit record), and no staging folder is left."""
    server.start()
    token = server.token()
    status, state = _call(server.base, "GET", "/api/v1/teams", token=token)
    assert status == 200
    before = state["text"]
    after = before + "# duty phone 110\n"
    thread = threading.Thread(
        target=_call,
        args=(server.base, "PUT", "/api/v1/teams", {"text": after}, token),
        daemon=True,
    )
    thread.start()
    time.sleep(delay)
    server.kill()
    thread.join(timeout=60)
    server.start()
    _call(server.base, "GET", "/login")  # the first request cleans up
    status, state = _call(server.base, "GET", "/api/v1/teams", token=server.token())
    assert status == 200
    assert state["text"] in (before, after)
    assert _edits(server.instance) == (1 if state["text"] == after else 0)
    assert _debris(server.instance) == []


def test_kill_during_a_solve_fails_the_job_and_leaves_no_snapshot(server) -> None:
    """Tests that after SIGKILL while a planning job runs and a restart, the job is failed
    with the restart's sentence and its data snapshot is gone."""
    server.start()
    token = server.token()
    status, job = _call(
        server.base,
        "POST",
        "/api/v1/jobs",
        {"start": "2026-12-07", "days": 1, "time_limit": 60},
        token,
    )
    assert status == 201, job
    deadline = time.monotonic() + 120
    while True:
        status, job = _call(server.base, "GET", f"/api/v1/jobs/{job['id']}", token=token)
        if job["status"] == "running" and job["stage"]:
            break
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.2)
    assert (server.instance / "plans" / str(job["plan_id"]) / "data").is_dir()
    server.kill()
    server.start()
    _call(server.base, "GET", "/login")
    status, after = _call(server.base, "GET", f"/api/v1/jobs/{job['id']}", token=server.token())
    assert after["status"] == "failed"
    assert after["message"] == "Stopped by a restart of the server before it finished."
    assert _debris(server.instance) == []
