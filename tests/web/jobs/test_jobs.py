"""Tests of the job queue's attempts and leases (web.jobs.queue), as Celery workers use them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from web.db import Job, JobFile, Plan, new_session, utcnow
from web.jobs import queue as jobs_module
from web.jobs.queue import claim_job, requeue_lost, run_job


@pytest.fixture
def app(make_web_app):
    return make_web_app(JOB_LEASE=30, JOB_ATTEMPTS=3)


def _queue(app, **params) -> int:
    with new_session(app) as session:
        plan = Plan(title="t", district="xinjiekou", start="2026-12-07", days=1, status="queued")
        settings = {"start": "2026-12-07", "days": 1, "seed": 0, "time_limit": 1.0, **params}
        job = Job(plan=plan, params=json.dumps(settings))
        session.add_all([plan, job])
        session.commit()
        return job.id


def _age_heartbeat(app, job_id: int, seconds: float) -> None:
    with new_session(app) as session:
        when = utcnow() - timedelta(seconds=seconds)
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=when))
        session.commit()


def _job(app, job_id: int) -> Job:
    with new_session(app) as session:
        job = session.get(Job, job_id)
        assert job is not None
        _ = job.plan
        return job


def test_a_job_is_claimed_once_while_its_worker_beats(app) -> None:
    """Tests that a queued job is claimed by one worker and not again while its heartbeat is
    fresh; once it is older than the lease, another worker takes it over as attempt 2."""
    job_id = _queue(app)
    assert claim_job(app, job_id, "host-a/11") == 1
    assert claim_job(app, job_id, "host-b/22") is None
    _age_heartbeat(app, job_id, 29)
    assert claim_job(app, job_id, "host-b/22") is None
    _age_heartbeat(app, job_id, 31)
    assert claim_job(app, job_id, "host-b/22") == 2
    job = _job(app, job_id)
    assert (job.status, job.worker, job.attempts, job.plan.status) == (
        "running", "host-b/22", 2, "running"
    )  # fmt: skip


def test_the_sweep_requeues_only_lost_jobs_once(app) -> None:
    """Tests that requeue_lost puts back the running job with a stale heartbeat, saying whose
    worker stopped, leaves the one with a fresh heartbeat, and a second sweep finds nothing."""
    lost, alive = _queue(app), _queue(app)
    claim_job(app, lost, "host-a/11")
    claim_job(app, alive, "host-b/22")
    _age_heartbeat(app, lost, 60)
    assert requeue_lost(app) == [lost]
    assert requeue_lost(app) == []
    job = _job(app, lost)
    assert (job.status, job.plan.status) == ("queued", "queued")
    assert job.message == "Its worker host-a/11 stopped before it finished; queued again."
    assert _job(app, alive).status == "running"


def test_a_job_lost_too_often_ends_failed_with_its_reason(app, client_as) -> None:
    """Tests that a job whose worker is lost at every one of its 3 attempts is not started a
    4th time but ends as failed, saying so with the last reason, shown on the job page."""
    job_id = _queue(app)
    for attempt in (1, 2, 3):
        assert claim_job(app, job_id, f"host/{attempt}") == attempt
        _age_heartbeat(app, job_id, 60)
        assert requeue_lost(app) == [job_id]
    assert claim_job(app, job_id, "host/4") is None
    job = _job(app, job_id)
    assert (job.status, job.plan.status) == ("failed", "failed")
    assert job.message == (
        "Gave up after 3 attempts; the last one: "
        "Its worker host/3 stopped before it finished; queued again."
    )
    page = client_as(app, "captain").get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Gave up after 3 attempts; the last one: Its worker host/3 stopped" in page


def test_an_error_is_retried_then_fails_with_its_reason(app, monkeypatch) -> None:
    """Tests that on a worker an unexpected error puts the job back (retry) until its attempts
    are spent, then records it as failed with the error's reason; a bad bundle fails at once."""

    def broken(*_args, **_kwargs):
        raise RuntimeError("the solver library crashed")

    monkeypatch.setattr(jobs_module, "make_plan_for_job", broken)
    job_id = _queue(app)
    with new_session(app) as session:
        session.add(JobFile(job_id=job_id, name="inputs.zip", data=_empty_zip()))
        session.commit()
    assert [run_job(app, job_id, stored=True) for _ in range(3)] == ["retry", "retry", "failed"]
    job = _job(app, job_id)
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.message == "RuntimeError: the solver library crashed"

    missing = _queue(app)  # no inputs.zip: an input error, not retried
    assert run_job(app, missing, stored=True) == "failed"
    assert _job(app, missing).message == (
        f"Job {missing} has no district data in the database; queue it again."
    )


def _empty_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w"):
        pass
    return buffer.getvalue()


def test_a_superseded_attempt_writes_nothing(app, fixture_doc, tmp_path) -> None:
    """Tests that an attempt whose job was taken over meanwhile does not store its plan: the
    result is written once, by the attempt that owns the job."""
    job_id = _queue(app)
    assert claim_job(app, job_id, "host-a/11") == 1
    _age_heartbeat(app, job_id, 60)
    assert claim_job(app, job_id, "host-b/22") == 2
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    status = jobs_module._store_result(app, job_id, 1, fixture_doc, scratch, {}, scratch)
    assert status == "superseded"
    with new_session(app) as session:
        assert session.get(JobFile, (job_id, "plan.json")) is None
    assert jobs_module._store_result(app, job_id, 2, fixture_doc, scratch, {}, scratch) == "done"
    job = _job(app, job_id)
    assert (job.status, job.plan.status) == ("done", "ready")


@pytest.fixture
def fixture_doc(data_dir):
    from planner.plan.document import read_plan

    return read_plan(data_dir / "plan" / "plan.json")


def test_a_restart_of_the_web_app_leaves_the_workers_jobs_alone(make_web_app) -> None:
    """Tests that with a broker a restarting web app does not fail the jobs its workers are
    running (their leases decide), while without one such jobs fail as before."""
    from web.demo import INTERRUPTED, fail_unfinished

    for broker, expected in (("redis://127.0.0.1:9/0", ("running", "")), (None, None)):
        app = make_web_app(BROKER_URL=broker)  # nothing is sent: no broker is reached here
        job_id = _queue(app)
        assert claim_job(app, job_id, "host-a/11") == 1
        fail_unfinished(app)
        job = _job(app, job_id)
        if expected is None:
            assert (job.status, job.message, job.plan.status) == ("failed", INTERRUPTED, "failed")
        else:
            assert (job.status, job.message, job.plan.status) == (*expected, "running")


@pytest.fixture(scope="module")
def postgres_url():
    """A database on a throwaway PostgreSQL server (the store of workers on several machines)."""
    from sqlalchemy import create_engine
    from test_db_migrations import _postgres_bin, _Server  # the migration tests' server

    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql"
        )
    server = _Server(bindir)
    admin_url = server.start()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE jobs")
    admin.dispose()
    try:
        yield admin_url.replace("/postgres?", "/jobs?")
    finally:
        server.stop()


@pytest.mark.slow
def test_on_postgresql_one_claim_wins_and_a_workers_plan_is_shown(
    postgres_url, make_web_app, client_as
) -> None:
    """Tests on PostgreSQL that of eight workers claiming one job at the same moment exactly
    one gets it, and that a job run as a worker runs it (inputs from the database, plan into
    it) gives a plan the web app shows after copying it from the database."""
    from web.db import engine_of

    app = make_web_app(DATABASE_URL=postgres_url, JOB_LEASE=30)
    try:
        _race_and_run(app, client_as)
    finally:
        engine_of(app).dispose()


def _race_and_run(app, client_as) -> None:
    import threading

    from web.jobs.queue import INPUTS_FILE, prepare_stored_job

    race = _queue(app)
    results: list[int | None] = []
    barrier = threading.Barrier(8)

    def claim(k: int) -> None:
        barrier.wait()
        results.append(claim_job(app, race, f"host/{k}"))

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=lambda r: r or 0) == [None] * 7 + [1]

    job_id = _queue(app)
    with new_session(app) as session:
        job = session.get(Job, job_id)
        prepare_stored_job(app, session, job)
        assert session.get(JobFile, (job_id, INPUTS_FILE)) is not None
        plan_id = job.plan_id
    assert run_job(app, job_id, stored=True) == "done"
    with new_session(app) as session:
        stored = session.get(Plan, plan_id).plan_file(app.instance_path)
    assert not stored.exists()
    client = client_as(app, "captain")  # a draft: captains and planners see it
    assert client.get(f"/plans/{plan_id}").status_code == 200
    assert stored.is_file()
