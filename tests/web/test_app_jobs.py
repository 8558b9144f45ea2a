"""Tests of planning jobs: the form, the queue, progress, cancellation, failures and restarts."""

from __future__ import annotations

import time
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)

import pytest
from sqlalchemy import func, select

from planner.exceptions import PlanInputError
from planner.plan.document import read_plan
from web import create_app
from web.accounts.users import create_user
from web.db import Job, Plan, new_session
from web.demo import fail_unfinished
from web.jobs import queue as jobs_module
from web.jobs.queue import INTERRUPTED, next_queued, run_job, start_worker

PASSWORD = "correct horse"
GOOD = {"title": "Week 50", "start": "2026-12-07", "days": "2", "seed": "4", "time_limit": "1"}


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "app.sqlite3"),
        }
    )
    with new_session(app) as session:
        for role in ("admin", "captain", "planner", "viewer"):
            create_user(session, role, role, PASSWORD, method="pbkdf2:sha256:1000")
    return app


@pytest.fixture
def fixture_doc(data_dir: Path):
    return read_plan(data_dir / "plan" / "plan.json")


def login(client, name: str):
    with client.session_transaction() as sess:
        sess["csrf_token"] = "tok"
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": "tok"})
    with client.session_transaction() as sess:  # logging in starts a new session
        sess["csrf_token"] = "tok"
    return client


def submit(client, **changes):
    return client.post("/jobs/new", data={**GOOD, **changes, "csrf_token": "tok"})


def counts(app) -> tuple[int, int]:
    with new_session(app) as session:
        plans = session.scalar(select(func.count()).select_from(Plan))
        jobs = session.scalar(select(func.count()).select_from(Job))
    return plans, jobs


def job_row(app, job_id: int = 1) -> Job:
    with new_session(app) as session:
        job = session.get(Job, job_id)
        _ = job.plan
        return job


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start", "2026-13-40", "is not a date"),
        ("start", "", "is not a date"),
        ("days", "0", "Days must be a whole number from 1 to 14"),
        ("days", "two", "Days must be a whole number from 1 to 14"),
        ("days", "15", "Days must be a whole number from 1 to 14"),
        ("seed", "-1", "The seed must be"),
        ("time_limit", "0", "between 0.5 and 600.0 seconds"),
        ("title", "x" * 201, "at most 200 characters"),
    ],
)
def test_bad_form_says_why_and_queues_nothing(app, field: str, value: str, message: str) -> None:
    """Tests that each bad field is refused with its own message and nothing is stored."""
    client = login(app.test_client(), "captain")
    client.get("/map?lang=en")
    response = submit(client, **{field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(app) == (0, 0)


def test_form_is_for_captains_and_admins(app) -> None:
    """Tests that planners and viewers may not queue plans, and that the form needs a token."""
    for role in ("planner", "viewer"):
        client = login(app.test_client(), role)
        assert client.get("/jobs/new").status_code == 403
        assert submit(client).status_code == 403
    client = login(app.test_client(), "admin")
    assert client.get("/jobs/new").status_code == 200
    assert client.post("/jobs/new", data=GOOD).status_code == 400  # no CSRF token
    assert counts(app) == (0, 0)


def test_submit_returns_at_once_and_the_job_runs(app, fixture_doc, monkeypatch) -> None:
    """Tests that a good form queues a job and returns; running it reports progress per step
    and stores the plan, which the plan list and the plan page then show."""
    calls = []

    def fake_make_plan(district, *, start, days, seed, time_limit, progress):
        calls.append((start.isoformat(), days, seed, time_limit))
        for k in range(3):
            progress("routes", k, 3)
            assert job_row(app).stage == "routes"
            assert job_row(app).done == k
        return fixture_doc

    monkeypatch.setattr(jobs_module, "make_plan_for_job", fake_make_plan)
    client = login(app.test_client(), "captain")
    response = submit(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/jobs/1"
    assert job_row(app).status == "queued"
    page = client.get("/jobs/1").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    assert "排队中" in client.get("/plans/").get_data(as_text=True)
    assert run_job(app, 1) == "done"
    assert calls == [("2026-12-07", 2, 4, 1.0)]
    job = job_row(app)
    assert (job.status, job.plan.status) == ("done", "ready")
    assert client.get("/jobs/1.json").get_json()["finished"] is True
    assert 'http-equiv="refresh"' not in client.get("/jobs/1").get_data(as_text=True)
    plans = client.get("/plans/").get_data(as_text=True)
    assert "Week 50" in plans
    assert ">captain<" in plans
    assert client.get(f"/plans/{job.plan_id}").status_code == 200


def test_cancel_a_queued_job(app) -> None:
    """Tests that cancelling a queued job ends it at once and the worker skips it."""
    client = login(app.test_client(), "captain")
    submit(client)
    assert client.post("/jobs/1/cancel", data={"csrf_token": "tok"}).status_code == 302
    job = job_row(app)
    assert (job.status, job.plan.status) == ("cancelled", "cancelled")
    assert job.plan.district == "xinjiekou"
    assert next_queued(app) is None
    viewer = login(app.test_client(), "viewer")
    assert viewer.post("/jobs/1/cancel", data={"csrf_token": "tok"}).status_code == 403


def test_cancel_a_running_job(app, monkeypatch) -> None:
    """Tests that a running job asked to cancel stops at its next progress report."""
    steps = []

    def fake_make_plan(district, *, start, days, seed, time_limit, progress):
        progress("roster", 0, 1)
        steps.append("roster")
        client = login(app.test_client(), "admin")
        client.post("/jobs/1/cancel", data={"csrf_token": "tok"})
        assert job_row(app).cancel_requested
        progress("roster", 1, 1)
        steps.append("routes")  # never reached
        raise AssertionError("the job went on after being cancelled")

    monkeypatch.setattr(jobs_module, "make_plan_for_job", fake_make_plan)
    submit(login(app.test_client(), "captain"))
    assert run_job(app, 1) == "cancelled"
    assert steps == ["roster"]
    job = job_row(app)
    assert (job.status, job.plan.status, job.plan.path) == ("cancelled", "cancelled", "")


def test_a_failing_job_records_its_error(app, monkeypatch) -> None:
    """Tests that a planning error ends the job as failed with the error's sentence."""

    def fake_make_plan(district, *, start, days, seed, time_limit, progress):
        raise PlanInputError("No roster fits the rules for group g1 on 2026-12-07.")

    monkeypatch.setattr(jobs_module, "make_plan_for_job", fake_make_plan)
    client = login(app.test_client(), "captain")
    submit(client)
    assert run_job(app, 1) == "failed"
    job = job_row(app)
    assert job.plan.status == "failed"
    assert job.message == "No roster fits the rules for group g1 on 2026-12-07."
    assert "No roster fits" in client.get("/jobs/1").get_data(as_text=True)


def test_restart_fails_a_job_killed_mid_solve_and_resumes_queued_ones(app) -> None:
    """Tests that after a restart a job left running (its process killed mid-solve) is failed,
    while queued jobs stay queued for the new worker."""
    client = login(app.test_client(), "captain")
    submit(client)
    submit(client, title="second")
    with new_session(app) as session:
        job = session.get(Job, 1)
        job.status, job.stage, job.done, job.total = "running", "routes", 2, 6
        job.plan.status = "running"
        session.commit()
    fail_unfinished(app)  # what the next process does first
    first, second = job_row(app, 1), job_row(app, 2)
    assert (first.status, first.plan.status, first.message) == ("failed", "failed", INTERRUPTED)
    assert (second.status, second.plan.status) == ("queued", "queued")
    assert next_queued(app) == 2


def test_worker_thread_runs_jobs_in_order(app, fixture_doc, monkeypatch) -> None:
    """Tests that the worker thread runs queued jobs one after another, never two at once."""
    running = []
    overlap = []

    def fake_make_plan(district, *, start, days, seed, time_limit, progress):
        if running:
            overlap.append(seed)
        running.append(seed)
        progress("routes", 1, 1)
        time.sleep(0.05)
        running.remove(seed)
        return fixture_doc

    monkeypatch.setattr(jobs_module, "make_plan_for_job", fake_make_plan)
    client = login(app.test_client(), "captain")
    for seed in range(3):
        submit(client, seed=str(seed))
    worker = start_worker(app)
    worker.wake.set()
    for _ in range(200):
        if all(job_row(app, i).status == "done" for i in (1, 2, 3)):
            break
        time.sleep(0.05)
    assert [job_row(app, i).status for i in (1, 2, 3)] == ["done"] * 3
    assert overlap == []
    assert [job_row(app, i).started_at for i in (1, 2, 3)] == sorted(
        job_row(app, i).started_at for i in (1, 2, 3)
    )
