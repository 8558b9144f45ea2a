"""Background planning jobs: a queue kept in the database and one worker thread per process."""

from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, update

from geodata.errors import InputError
from planner.dates import FIRST_DATE, LAST_DATE, start_problem
from planner.plan.document import PlanDocument
from web.db import Job, Plan, User, db_session, new_session, utcnow
from web.i18n import translate
from web.plans.store import (
    PLAN_DATA_DIR,
    PLANS_DIR,
    attach_document,
    load_document,
    pack_folder,
    plan_dir,
    read_job_file,
    store_job_file,
    unpack_folder,
)
from web.workspace import snapshot

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Flask
    from sqlalchemy.orm import Session

    from planner.patrol.baseline import Baseline
    from planner.patrol.inputs import PlanInputs
    from planner.patrol.pipeline import Progress

logger = logging.getLogger("planner")

MAX_DAYS = 14
"""Most days one web job may plan (longer horizons go through `patrol plan`)."""

TIME_LIMITS = (0.5, 600.0)
"""Smallest and largest seconds per solver stage a job may ask for."""

MAX_QUEUED_PER_USER = 3
"""Most jobs one user may have queued or running at once."""

MAX_QUEUED = 20
"""Most jobs queued or running at once in all (each may take minutes of both cores)."""

INTERRUPTED = "Stopped by a restart of the server before it finished."

DEFAULT_ATTEMPTS = 3
"""Times a job may be started (a worker lost, an unexpected error) before it ends as failed."""

DEFAULT_LEASE = 60.0
"""Seconds without a heartbeat after which a job's worker counts as lost (``JOB_LEASE``)."""

INPUTS_FILE = "inputs.zip"
"""The job file holding the district bundle a job plans from."""

OUTPUTS_FILE = "outputs.zip"
"""The job file holding a plan's output folder, for jobs that ask for it."""

BOOST_FILE = "dose_boost.json"
"""The job file holding the dose boost of a job that makes up a plan's check-in shortfall."""

BASELINE_FILE = "baseline.json"
"""Job file holding the roster of the plan in force a job keeps to (:func:`baseline_for`)."""


class JobFormError(InputError):
    """A planning form field that cannot be used; ``key``/``values`` give the page's message."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(translate(key, "en", **values))
        self.key = key
        self.values = values


class JobCancelled(Exception):
    """Raised inside a job's progress callback when someone asked to cancel it."""


def check_job_form(form: Mapping[str, str]) -> dict[str, Any]:
    """Return the planning settings of a submitted form, or refuse the first bad field.

    Parameters
    ----------
    form
        Fields ``title`` (optional), ``start`` (YYYY-MM-DD), ``days`` (1 to :data:`MAX_DAYS`),
        ``seed`` (a whole number >= 0), ``time_limit`` (seconds of solving in all) and
        ``shortfall`` (optional: the id of a ready plan whose check-in shortfall the new plan
        makes up, see :func:`web.checkin.records.shortfall`; needs an app context).

    Returns
    -------
    dict
        ``title``, ``start`` (ISO text), ``days``, ``seed``, ``time_limit``, ``shortfall_of``
        (a plan id or None).

    Raises
    ------
    JobFormError
        Naming the first field that is wrong.
    """
    start_text = (form.get("start") or "").strip()
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        raise JobFormError("err_start", value=start_text) from None
    try:
        days = int((form.get("days") or "").strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise JobFormError("err_days", n=MAX_DAYS)
    if start_problem(start, days):
        raise JobFormError("err_start_range", first=str(FIRST_DATE), last=str(LAST_DATE))
    try:
        seed = int((form.get("seed") or "0").strip())
    except ValueError:
        seed = -1
    if not 0 <= seed < 2**31:
        raise JobFormError("err_seed")
    try:
        time_limit = float((form.get("time_limit") or "").strip())
    except ValueError:
        time_limit = -1.0
    if not TIME_LIMITS[0] <= time_limit <= TIME_LIMITS[1]:
        raise JobFormError("err_time_limit", low=TIME_LIMITS[0], high=TIME_LIMITS[1])
    title = (form.get("title") or "").strip()
    if len(title) > 200:
        raise JobFormError("err_title")
    shortfall_of = _shortfall_plan((form.get("shortfall") or "").strip())
    return {
        "title": title or f"{start.isoformat()} +{days}",
        "start": start.isoformat(),
        "days": days,
        "seed": seed,
        "time_limit": time_limit,
        "shortfall_of": shortfall_of,
    }


def _shortfall_plan(text: str) -> int | None:
    """Return the id of the ready plan named by ``text`` (None when empty), or refuse it."""
    if not text:
        return None
    plan = db_session().get(Plan, int(text)) if text.isdigit() else None
    if plan is None or plan.status != "ready":
        raise JobFormError("err_shortfall", value=text)
    return plan.id


def shortfall_boost(
    app: Flask, session: Session, plan_id: int | None, data: str | Path
) -> dict[str, float] | None:
    """Return the dose boost that makes up the check-in shortfall of plan ``plan_id``.

    Only key areas of the district bundle ``data`` are boosted: alley segments and areas
    deleted since are left out. None when ``plan_id`` is None.

    Raises
    ------
    JobFormError
        When the plan is no longer ready.
    """
    if not plan_id:
        return None
    from web.checkin.records import shortfall
    from web.plans.store import load_document
    from web.workspace import read_key_areas

    row = session.get(Plan, int(plan_id))
    if row is None or row.status != "ready" or not row.path:
        raise JobFormError("err_shortfall", value=str(plan_id))
    known = {str(a) for a in read_key_areas(data)["id"]}
    boost = shortfall(session, row.id, load_document(app, row))
    return {area: factor for area, factor in boost.items() if area in known}


def submit_job(
    session: Session, settings: Mapping[str, Any], user: User | None, *, district: str = ""
) -> Job:
    """Queue a planning job and its (queued) plan row for ``district`` (its id); return the job.

    Raises
    ------
    JobFormError
        When ``user`` has :data:`MAX_QUEUED_PER_USER` jobs waiting or running, or the app
        :data:`MAX_QUEUED`; nothing is queued.
    """
    unfinished = select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
    if (
        user is not None
        and (session.scalar(unfinished.where(Job.created_by_id == user.id)) or 0)
        >= MAX_QUEUED_PER_USER
    ):
        raise JobFormError("err_queue_user", n=MAX_QUEUED_PER_USER)
    if (session.scalar(unfinished) or 0) >= MAX_QUEUED:
        raise JobFormError("err_queue_full", n=MAX_QUEUED)
    plan = Plan(
        title=settings["title"],
        district=district,
        start=settings["start"],
        days=settings["days"],
        seed=settings["seed"],
        status="queued",
        created_by_id=user.id if user is not None else None,
    )
    params = {k: settings[k] for k in ("start", "days", "seed", "time_limit")}
    if settings.get("shortfall_of"):
        params["shortfall_of"] = int(settings["shortfall_of"])
    job = Job(
        plan=plan,
        params=json.dumps(params),
        created_by_id=plan.created_by_id,
    )
    session.add_all([plan, job])
    session.commit()
    return job


def request_cancel(session: Session, job: Job) -> None:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    if job.status == "queued":
        job.status = "cancelled"
        job.plan.status = "cancelled"
        job.finished_at = utcnow()
    elif job.status == "running":
        job.cancel_requested = True
    session.commit()


def baseline_for(app: Flask, session: Session, row: Plan) -> dict[str, Any] | None:
    """Return the roster of the plan in force over plan ``row``'s days, or None.

    The plan in force (:func:`web.plans.in_force.in_force_over`) is the baseline of a new
    plan of the same district: the new roster keeps its cells where it can and carries its
    days before the horizon in. The roster is returned in plan.json's shape
    (``start``, ``days``, ``roster.schedule``) with the plan's id as ``plan``.
    """
    from web.plans.in_force import in_force_over

    found = in_force_over(
        session, row.district, date.fromisoformat(row.start), int(row.days), besides=row.id
    )
    if found is None or not found.path:
        return None
    doc = load_document(app, found)
    schedule = {g: list(cells) for g, cells in doc.roster.schedule.items()}
    return {
        "plan": found.id,
        "start": doc.start,
        "days": doc.days,
        "roster": {"schedule": schedule},
    }


def _fitting_baseline(
    inputs: PlanInputs, data: Mapping[str, Any], start: date, days: int, time_zone: str
) -> tuple[Baseline | None, date | None]:
    """Return the baseline of a job and its freeze date, or None when it does not fit.

    A plan in force for other groups or shifts than the working copy's (the team changed
    since) is left out, so the job plans a fresh roster instead of failing. The days of the
    horizon already begun (before today, district time) are frozen when the baseline has them.
    """
    from zoneinfo import ZoneInfo

    from planner.patrol.baseline import baseline_from_dict

    base = baseline_from_dict(dict(data), source=f"plan {data.get('plan')}")
    groups = {g.id for g in inputs.groups}
    shifts = {s.id for s in inputs.rules.shifts}
    used = {s for row in base.schedule.values() for s in row if s is not None}
    if set(base.schedule) != groups or not used <= shifts:
        logger.warning(
            "The plan in force %s is for other groups or shifts; the job plans afresh.",
            data.get("plan"),
        )
        return None, None
    today = datetime.now(ZoneInfo(time_zone)).date()
    last = start + timedelta(days=days - 1)
    begun = [start + timedelta(days=k) for k in range((today - start).days)]
    if start < today <= last and all(d in base.dates for d in begun):
        return base, today
    return base, None


def make_plan_for_job(
    district: str | None,
    *,
    start: date,
    days: int,
    seed: int,
    time_limit: float | None,
    progress: Progress,
    dose_boost: Mapping[str, float] | None = None,
    cores: int = 2,
    baseline: Mapping[str, Any] | None = None,
) -> PlanDocument:
    """Run the planning pipeline for a job (:func:`planner.patrol.pipeline.make_plan`).

    ``time_limit`` is the job's seconds of solving in all, split between the roster and the
    shifts' routes by :meth:`planner.patrol.request.TimeBudget.within` (None: the default
    budget); ``cores`` are the
    threads the roster solver may use. ``baseline`` is the roster of the plan in force
    (:func:`baseline_for`): the new roster changes as few of its cells as it can.
    """
    from planner.patrol.inputs import load_inputs
    from planner.patrol.pipeline import make_plan
    from planner.patrol.request import PlanRequest, TimeBudget

    inputs = load_inputs(district)
    shifts = days * len(inputs.rules.shifts)
    budget = TimeBudget() if time_limit is None else TimeBudget.within(time_limit, shifts)
    base, freeze = None, None
    if baseline:
        tz = str(inputs.district.manifest.get("time_zone", "Asia/Shanghai"))
        base, freeze = _fitting_baseline(inputs, baseline, start, days, tz)
    request = PlanRequest(
        start,
        days,
        seed,
        budget,
        dose_boost=dose_boost or {},
        cores=cores,
        baseline=base,
        freeze_until=freeze,
    )
    return make_plan(inputs, request, progress=progress)


class JobSuperseded(Exception):
    """Raised inside a job when another attempt took it over (this one's lease ran out)."""


def max_attempts(app: Flask) -> int:
    """Return how many times a job may be started before it ends as failed (``JOB_ATTEMPTS``)."""
    return max(1, int(app.config.get("JOB_ATTEMPTS") or DEFAULT_ATTEMPTS))


def lease_seconds(app: Flask) -> float:
    """Return the seconds without a heartbeat after which a running job is taken over."""
    return max(1.0, float(app.config.get("JOB_LEASE") or DEFAULT_LEASE))


def job_cores(app: Flask) -> int:
    """Return the cores one job on a Celery worker declares and uses (``JOB_CORES``, default 1)."""
    return max(1, int(app.config.get("JOB_CORES") or 1))


def broker_url(app: Flask) -> str | None:
    """Return the Celery broker URL (``BROKER_URL``, ``PATROL_BROKER_URL``); None: in process."""
    url = app.config.get("BROKER_URL")
    return str(url) if url else None


def worker_name() -> str:
    """Return ``host/pid`` of this process, recorded on the jobs it runs."""
    return f"{socket.gethostname()}/{os.getpid()}"


def claim_job(app: Flask, job_id: int, worker: str = "") -> int | None:
    """Start an attempt at job ``job_id``; return its number, or None when not to be run.

    A queued job is claimed, and so is a running one whose heartbeat is older than
    :func:`lease_seconds` (its worker died). The check and the change are one ``UPDATE``, so
    of two workers handed the same job only one claims it. A job claimed more than
    :func:`max_attempts` times ends as failed with the reason of its last attempt.
    """
    now = utcnow()
    stale = now - timedelta(seconds=lease_seconds(app))
    claimable = or_(
        Job.status == "queued",
        and_(Job.status == "running", Job.heartbeat_at.is_not(None), Job.heartbeat_at < stale),
    )
    with new_session(app) as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, claimable)
            .values(
                status="running",
                attempts=Job.attempts + 1,
                worker=worker[:200],
                heartbeat_at=now if worker else None,
                started_at=now,
            )
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return None
        job = session.get(Job, job_id)
        if job is None:  # pragma: no cover - deleted between the update and the read
            session.rollback()
            return None
        attempt = job.attempts
        if attempt > max_attempts(app):
            reason = job.message or "its worker stopped before it finished"
            message = f"Gave up after {attempt - 1} attempts; the last one: {reason}"
            job.status = job.plan.status = "failed"
            job.message = job.plan.message = message[:500]
            job.finished_at = now
            session.commit()
            return None
        job.plan.status = "running"
        session.commit()
        return attempt


def requeue_lost(app: Flask) -> list[int]:
    """Put back in the queue the running jobs whose heartbeat is older than the lease.

    Each is changed by one conditional ``UPDATE``, so of several workers' sweeps only one
    requeues a job (and sends it once); the next claim counts the attempt.

    Returns
    -------
    list of int
        The jobs put back, to be sent to the workers again.
    """
    stale = utcnow() - timedelta(seconds=lease_seconds(app))
    lost = and_(Job.status == "running", Job.heartbeat_at.is_not(None), Job.heartbeat_at < stale)
    requeued = []
    with new_session(app) as session:
        for job_id, worker in session.execute(select(Job.id, Job.worker).where(lost)).all():
            message = f"Its worker {worker} stopped before it finished; queued again."
            done = session.execute(
                update(Job)
                .where(Job.id == job_id, lost)
                .values(status="queued", heartbeat_at=None, message=message[:500])
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                job = session.get(Job, job_id)
                if job is not None:
                    job.plan.status = "queued"
                requeued.append(job_id)
            session.commit()
    return requeued


def finish_job(
    app: Flask, job_id: int, status: str, message: str = "", *, attempt: int | None = None
) -> bool:
    """Record a job's end; with ``attempt``, only while that attempt still owns the job.

    Returns
    -------
    bool
        Whether the end was recorded.
    """
    with new_session(app) as session:
        job = session.get(Job, job_id)
        if job is None:
            return False
        if attempt is not None and (job.status != "running" or job.attempts != attempt):
            return False
        job.status = status
        job.message = message[:500]
        job.finished_at = utcnow()
        job.plan.status = {"done": "ready"}.get(status, status)
        job.plan.message = message[:500]
        session.commit()
        plan_id = job.plan_id
    if status in ("failed", "cancelled"):
        from web.debris import discard_snapshot

        discard_snapshot(app, plan_id)
    return True


def _retry_later(app: Flask, job_id: int, attempt: int, reason: str) -> bool:
    """Put a job that failed unexpectedly back in the queue, if it has attempts left."""
    with new_session(app) as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "running" or job.attempts != attempt:
            return False
        if attempt >= max_attempts(app):
            return False
        job.status = job.plan.status = "queued"
        job.message = reason[:500]
        job.heartbeat_at = None
        session.commit()
        return True


class _Heartbeat(threading.Thread):
    """Renews a job's heartbeat while this attempt owns it; notes when it no longer does."""

    def __init__(self, app: Flask, job_id: int, attempt: int) -> None:
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.app, self.job_id, self.attempt = app, job_id, attempt
        self.stop = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        """Write the heartbeat every quarter of the lease until stopped or taken over."""
        every = lease_seconds(self.app) / 4
        while not self.stop.wait(every):
            try:
                with new_session(self.app) as session:
                    done = session.execute(
                        update(Job)
                        .where(
                            Job.id == self.job_id,
                            Job.attempts == self.attempt,
                            Job.status == "running",
                        )
                        .values(heartbeat_at=utcnow())
                    )
                    session.commit()
            except Exception:  # a database hiccup: try again at the next beat
                logger.warning("Heartbeat of job %d failed.", self.job_id, exc_info=True)
                continue
            if done.rowcount != 1:  # type: ignore[attr-defined]
                self.lost.set()
                return


def _job_inputs(
    app: Flask, session: Session, job: Job, params: Mapping[str, Any], into: Path | None
) -> tuple[Path, Mapping[str, float] | None]:
    """Return the district folder a job plans from and its dose boost.

    In process (``into`` None) the working copy is snapshot into the plan's folder as the job
    starts; a worker (``into`` a scratch folder) unpacks the ``inputs.zip`` kept in the
    database when the job was queued, never the web server's disk.
    """
    if into is None:
        data = plan_dir(app, job.plan_id) / PLAN_DATA_DIR
        job.plan.data_version = snapshot(app, session, data, job.plan.district)
        session.commit()
        return data, shortfall_boost(app, session, params.get("shortfall_of"), data)
    packed = read_job_file(session, job.id, INPUTS_FILE)
    if packed is None:
        msg = f"Job {job.id} has no district data in the database; queue it again."
        raise InputError(msg)
    data = unpack_folder(packed, into / PLAN_DATA_DIR)
    stored_boost = read_job_file(session, job.id, BOOST_FILE)
    boost = json.loads(stored_boost) if stored_boost else None
    return data, ({str(k): float(v) for k, v in boost.items()} if boost else None)


def _job_baseline(app: Flask, session: Session, job: Job, *, stored: bool) -> Any:
    """Return the roster in force a job keeps to: worked out now, or kept with a stored job."""
    if not stored:
        return baseline_for(app, session, job.plan)
    kept = read_job_file(session, job.id, BASELINE_FILE)
    return json.loads(kept) if kept else None


def run_job(app: Flask, job_id: int, *, stored: bool = False) -> str:
    """Run one queued job to its end; return its final status (done, failed or cancelled).

    Progress goes to the job's row after every step of the pipeline; a cancel request is
    honoured at the next step. Errors are recorded in the job and its plan, never raised.

    Parameters
    ----------
    app
        The application (its database).
    job_id
        The job.
    stored
        Run as a Celery worker does (:mod:`web.jobs.celery_worker`): read the district from the
        job's files in the database, renew the job's heartbeat, and write the plan (and, when
        the job asks for them, its outputs) back to the database, only if this attempt still
        owns the job. ``"superseded"`` is returned when another attempt took it over, and
        ``"retry"`` when an unexpected error put the job back in the queue.
    """
    attempt = claim_job(app, job_id, worker_name() if stored else "")
    if attempt is None:
        with new_session(app) as session:
            job = session.get(Job, job_id)
            return job.status if job is not None else "failed"
    with new_session(app) as session:
        job = session.get(Job, job_id)
        params = json.loads(job.params) if job is not None else {}
    beat = _Heartbeat(app, job_id, attempt) if stored else None

    def progress(stage: str, done: int, total: int, /) -> None:
        if beat is not None and beat.lost.is_set():
            raise JobSuperseded
        with new_session(app) as s:
            row = s.get(Job, job_id)
            if row is None:
                raise JobCancelled
            row.stage, row.done, row.total = stage, int(done), int(total)
            cancel = row.cancel_requested
            s.commit()
        if cancel:
            raise JobCancelled

    own: dict[str, Any] = {"attempt": attempt} if stored else {}
    scratch = tempfile.TemporaryDirectory(prefix="patrol-job-") if stored else None
    try:
        if beat is not None:
            beat.start()
        with new_session(app) as session:
            job = session.get(Job, job_id)
            if job is None:
                raise JobCancelled
            into = Path(scratch.name) if scratch is not None else None
            data, boost = _job_inputs(app, session, job, params, into)
            base = _job_baseline(app, session, job, stored=into is not None)
        extra: dict[str, Any] = {"dose_boost": boost} if boost else {}
        if base:
            extra["baseline"] = base
        if stored:
            extra["cores"] = int(params.get("cores") or job_cores(app))
        doc = make_plan_for_job(
            str(data),
            start=date.fromisoformat(params["start"]),
            days=int(params["days"]),
            seed=int(params["seed"]),
            time_limit=None if params["time_limit"] is None else float(params["time_limit"]),
            progress=progress,
            **extra,
        )
        if scratch is not None:
            if beat is not None and beat.lost.is_set():
                raise JobSuperseded
            return _store_result(app, job_id, attempt, doc, data, params, Path(scratch.name))
    except JobSuperseded:
        return "superseded"
    except JobCancelled:
        finish_job(app, job_id, "cancelled", **own)
        return "cancelled"
    except InputError as exc:
        finish_job(app, job_id, "failed", str(exc), **own)
        return "failed"
    except Exception as exc:  # a worker must record every failure, not die with it
        logger.exception("Planning job %d failed.", job_id)
        reason = f"{type(exc).__name__}: {exc}"
        if stored and _retry_later(app, job_id, attempt, reason):
            return "retry"
        finish_job(app, job_id, "failed", reason, **own)
        return "failed"
    finally:
        if beat is not None:
            beat.stop.set()
        if scratch is not None:
            scratch.cleanup()
    with new_session(app) as session:
        job = session.get(Job, job_id)
        if job is None:
            return "failed"
        attach_document(app, session, job.plan, doc)
        job.status = "done"
        job.finished_at = utcnow()
        session.commit()
    return "done"


def _store_result(
    app: Flask,
    job_id: int,
    attempt: int,
    doc: PlanDocument,
    data: Path,
    params: Mapping[str, Any],
    scratch: Path,
) -> str:
    """Write a worker's plan (and outputs) to the database, once, if the attempt owns the job.

    The job's row changes from running to done by one conditional ``UPDATE`` in the same
    transaction as the files, so of two attempts that both finish only the first is kept.
    """
    from dataclasses import replace

    from planner.plan.document import write_plan

    if params.get("folder"):  # the bundle as the submitting side keeps it, not the scratch copy
        doc = replace(doc, district=replace(doc.district, folder=str(params["folder"])))
    plan_json = write_plan(doc, scratch / PlanDocument.FILE_NAME).read_bytes()
    outputs = None
    if params.get("outputs"):
        from planner.patrol.inputs import load_inputs
        from web.commands.plan import write_outputs

        folder = scratch / "outputs"
        folder.mkdir()
        write_outputs(doc, load_inputs(str(data)), folder)
        outputs = pack_folder(folder)
    with new_session(app) as session:
        owned = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempts == attempt, Job.status == "running")
            .values(status="done", finished_at=utcnow(), message="")
        )
        if owned.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return "superseded"
        store_job_file(session, job_id, PlanDocument.FILE_NAME, plan_json)
        if outputs is not None:
            store_job_file(session, job_id, OUTPUTS_FILE, outputs)
        job = session.get(Job, job_id)
        if job is not None:
            row = job.plan
            row.path = str(Path(PLANS_DIR) / str(row.id) / PlanDocument.FILE_NAME)
            row.district = doc.district.id
            row.start, row.days, row.seed = doc.start, doc.days, doc.seed
            row.status, row.message = "ready", ""
        session.commit()
    return "done"


def next_queued(app: Flask) -> int | None:
    """Return the id of the oldest queued job, or None."""
    with new_session(app) as session:
        query = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1)
        return session.scalar(query)


def fail_interrupted_jobs(app: Flask) -> int:
    """Mark jobs left running by a previous process as failed (queued ones are resumed).

    With a broker the running jobs belong to the Celery workers, which take over those whose
    worker was lost (:func:`claim_job`), so none is marked.

    Returns
    -------
    int
        How many jobs were marked.
    """
    if broker_url(app):
        return 0
    with new_session(app) as session:
        rows = session.scalars(select(Job).where(Job.status == "running")).all()
        for job in rows:
            job.status = "failed"
            job.message = INTERRUPTED
            job.finished_at = utcnow()
            job.plan.status = "failed"
            job.plan.message = INTERRUPTED
        session.commit()
        return len(rows)


class JobWorker(threading.Thread):
    """The one thread of a process that runs queued jobs one after another."""

    def __init__(self, app: Flask, poll_seconds: float = 2.0) -> None:
        super().__init__(name="plan-jobs", daemon=True)
        self.app = app
        self.poll_seconds = poll_seconds
        self.wake = threading.Event()

    def run(self) -> None:
        """Run queued jobs in order; sleep until woken or the poll interval passes."""
        while True:
            job_id = next_queued(self.app)
            if job_id is None:
                self.wake.wait(self.poll_seconds)
                self.wake.clear()
                continue
            run_job(self.app, job_id)


def prepare_stored_job(app: Flask, session: Session, job: Job) -> None:
    """Keep what a worker on another machine needs to run ``job`` in the database.

    The working copy is snapshot into the plan's folder (the web app shows the plan's data
    from there) and packed as the job's ``inputs.zip``; the dose boost of a shortfall job is
    worked out here, where the earlier plan's check-ins are, and kept as ``dose_boost.json``.
    """
    data = plan_dir(app, job.plan_id) / PLAN_DATA_DIR
    job.plan.data_version = snapshot(app, session, data, job.plan.district)
    params = json.loads(job.params)
    boost = shortfall_boost(app, session, params.get("shortfall_of"), data)
    if boost:
        store_job_file(session, job.id, BOOST_FILE, json.dumps(boost).encode())
    base = baseline_for(app, session, job.plan)
    if base:
        store_job_file(session, job.id, BASELINE_FILE, json.dumps(base).encode())
    params.setdefault("cores", job_cores(app))
    params["folder"] = str(data.resolve())
    job.params = json.dumps(params)
    store_job_file(session, job.id, INPUTS_FILE, pack_folder(data))
    session.commit()


def start_worker(app: Flask) -> JobWorker | None:
    """Start the app's job worker once per process and return it.

    With a broker (:func:`broker_url`) no thread is started: the jobs queued meanwhile are
    sent to the Celery workers (:func:`web.jobs.celery_worker.dispatch_pending`), and None is
    returned.
    """
    dispatch = app.extensions.get("patrol_dispatch")
    if dispatch is not None:
        dispatch(app)
        return None
    worker = app.extensions.get("patrol_jobs")
    if worker is None:
        worker = JobWorker(app)
        app.extensions["patrol_jobs"] = worker
        worker.start()
    return worker  # type: ignore[no-any-return]


def wake_worker(app: Flask) -> None:
    """Tell the app's worker (if running) that a job was queued; with a broker, send it there."""
    dispatch = app.extensions.get("patrol_dispatch")
    if dispatch is not None:
        dispatch(app)
        return
    worker = app.extensions.get("patrol_jobs")
    if worker is not None:
        worker.wake.set()
