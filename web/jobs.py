"""Background planning jobs: a queue kept in the database and one worker thread per process."""

from __future__ import annotations

import json
import logging
import threading
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from geodata.errors import InputError
from planner.dates import FIRST_DATE, LAST_DATE, start_problem
from web.db import Job, Plan, User, db_session, new_session, utcnow
from web.i18n import translate
from web.plan_store import PLAN_DATA_DIR, attach_document, plan_dir
from web.workspace import snapshot

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from flask import Flask
    from sqlalchemy.orm import Session

    from planner.patrol.pipeline import Progress
    from planner.plan.document import PlanDocument

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
        makes up, see :func:`web.checkin.shortfall`; needs an app context).

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
    from web.checkin import shortfall
    from web.plan_store import load_document
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


def make_plan_for_job(
    district: str | None,
    *,
    start: date,
    days: int,
    seed: int,
    time_limit: float,
    progress: Progress,
    dose_boost: Mapping[str, float] | None = None,
) -> PlanDocument:
    """Run the planning pipeline for a job (:func:`planner.patrol.pipeline.make_plan`).

    ``time_limit`` is the job's seconds of solving in all, split between the roster and the
    shifts' routes by :meth:`planner.patrol.request.TimeBudget.within`.
    """
    from planner.patrol.inputs import load_inputs
    from planner.patrol.pipeline import make_plan
    from planner.patrol.request import PlanRequest, TimeBudget

    inputs = load_inputs(district)
    budget = TimeBudget.within(time_limit, days * len(inputs.rules.shifts))
    request = PlanRequest(start, days, seed, budget, dose_boost=dose_boost or {})
    return make_plan(inputs, request, progress=progress)


def _finish(app: Flask, job_id: int, status: str, message: str = "") -> None:
    with new_session(app) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
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


def run_job(app: Flask, job_id: int) -> str:
    """Run one queued job to its end; return its final status (done, failed or cancelled).

    Progress goes to the job's row after every step of the pipeline; a cancel request is
    honoured at the next step. Errors are recorded in the job and its plan, never raised.
    """
    with new_session(app) as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return job.status if job is not None else "failed"
        job.status = "running"
        job.started_at = utcnow()
        job.plan.status = "running"
        session.commit()
        params = json.loads(job.params)

    def progress(stage: str, done: int, total: int, /) -> None:
        with new_session(app) as s:
            row = s.get(Job, job_id)
            if row is None:
                raise JobCancelled
            row.stage, row.done, row.total = stage, int(done), int(total)
            cancel = row.cancel_requested
            s.commit()
        if cancel:
            raise JobCancelled

    try:
        with new_session(app) as session:
            job = session.get(Job, job_id)
            data = plan_dir(app, job.plan_id) / PLAN_DATA_DIR if job is not None else None
            if job is None or data is None:
                raise JobCancelled
            job.plan.data_version = snapshot(app, session, data)
            session.commit()
            boost = shortfall_boost(app, session, params.get("shortfall_of"), data)
        doc = make_plan_for_job(
            str(data),
            start=date.fromisoformat(params["start"]),
            days=int(params["days"]),
            seed=int(params["seed"]),
            time_limit=float(params["time_limit"]),
            progress=progress,
            **({"dose_boost": boost} if boost else {}),
        )
    except JobCancelled:
        _finish(app, job_id, "cancelled")
        return "cancelled"
    except InputError as exc:
        _finish(app, job_id, "failed", str(exc))
        return "failed"
    except Exception as exc:  # a worker must record every failure, not die with it
        logger.exception("Planning job %d failed.", job_id)
        _finish(app, job_id, "failed", f"{type(exc).__name__}: {exc}")
        return "failed"
    with new_session(app) as session:
        job = session.get(Job, job_id)
        if job is None:
            return "failed"
        attach_document(app, session, job.plan, doc)
        job.status = "done"
        job.finished_at = utcnow()
        session.commit()
    return "done"


def next_queued(app: Flask) -> int | None:
    """Return the id of the oldest queued job, or None."""
    with new_session(app) as session:
        query = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1)
        return session.scalar(query)


def fail_interrupted_jobs(app: Flask) -> int:
    """Mark jobs left running by a previous process as failed (queued ones are resumed).

    Returns
    -------
    int
        How many jobs were marked.
    """
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


def start_worker(app: Flask) -> JobWorker:
    """Start the app's job worker once per process and return it."""
    worker = app.extensions.get("patrol_jobs")
    if worker is None:
        worker = JobWorker(app)
        app.extensions["patrol_jobs"] = worker
        worker.start()
    return worker  # type: ignore[no-any-return]


def wake_worker(app: Flask) -> None:
    """Tell the app's worker (if running) that a job was queued."""
    worker = app.extensions.get("patrol_jobs")
    if worker is not None:
        worker.wake.set()
