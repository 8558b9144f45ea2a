"""The demo plan made on the app's first start, so that a fresh install shows a plan at once."""

from __future__ import annotations

import logging
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from web.db import Plan, new_session
from web.plans.in_force import publish
from web.plans.store import (
    PLAN_DATA_DIR,
    attach_document,
    import_plan,
    new_plan_row,
    plan_dir,
)
from web.workspace import snapshot

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger("planner")

DEMO_START = date(2026, 12, 7)
"""First day of the demo plan (Monday 7 December 2026, as `patrol demo`)."""

DEMO_DAYS = 2
"""Days of the demo plan made on first start (short, so it is ready within a minute)."""

DEMO_TIME_LIMIT = 4.0
"""Seconds of solving of the demo plan in all (:meth:`planner.patrol.request.TimeBudget.within`)."""

DEMO_TITLE = "演示方案 Demo plan"

INTERRUPTED = "Stopped by a restart of the server before it finished."


def fail_unfinished(app: Flask) -> int:
    """Mark plans left unfinished by a previous server process as failed.

    Jobs left running fail (:func:`web.jobs.queue.fail_interrupted_jobs`; not with a broker, whose
    workers own them); plans whose job is still queued or running stay as they are, as the
    worker resumes them; any other unfinished plan fails.

    Returns
    -------
    int
        How many plans were marked.
    """
    from web.jobs.queue import fail_interrupted_jobs

    count = fail_interrupted_jobs(app)
    with new_session(app) as session:
        rows = session.scalars(select(Plan).where(Plan.status.in_(("queued", "running")))).all()
        for row in rows:
            if row.job is not None and not row.job.finished:
                continue
            row.status = "failed"
            row.message = INTERRUPTED
            count += 1
        session.commit()
        return count


def make_demo_plan(app: Flask, plan_id: int) -> None:
    """Plan the demo horizon for the app's district and store it as plan ``plan_id``.

    On failure the plan is marked failed with the error's message; nothing is raised.
    """
    from planner.patrol.inputs import load_inputs
    from planner.patrol.pipeline import make_plan
    from planner.patrol.request import PlanRequest, TimeBudget

    with new_session(app) as session:
        row = session.get(Plan, plan_id)
        if row is None:
            return
        try:
            data = plan_dir(app, plan_id) / PLAN_DATA_DIR
            row.data_version = snapshot(app, session, data)
            session.commit()
            inputs = load_inputs(str(data))
            seconds = float(app.config.get("DEMO_TIME_LIMIT", DEMO_TIME_LIMIT))
            budget = TimeBudget.within(seconds, DEMO_DAYS * len(inputs.rules.shifts))
            doc = make_plan(inputs, PlanRequest(DEMO_START, DEMO_DAYS, 0, budget))
            attach_document(app, session, row, doc)
            publish(session, row, None)  # the only plan of its days: the one in force
            logger.info("Demo plan %d is ready.", plan_id)
        except Exception as exc:  # the thread must record every failure, not die silently
            logger.exception("The demo plan could not be made.")
            session.rollback()
            row.status = "failed"
            row.message = str(exc)[:500] or type(exc).__name__
            session.commit()


def start_demo_plan(app: Flask, *, wait: bool = False) -> Plan | None:
    """Make sure the app has a plan to show: copy or make the demo plan when it has none.

    Plans left unfinished by a previous process are marked failed first. With
    ``DEMO_PLAN_SOURCE`` set to an existing plan.json, that file is copied at once; otherwise
    the demo horizon is planned in a background thread (``wait=True`` waits for it).

    Returns
    -------
    Plan or None
        The demo plan's row (ready, or running in the background), or None when the app
        already has a ready plan.
    """
    fail_unfinished(app)
    with new_session(app) as session:
        if session.scalars(select(Plan).where(Plan.status == "ready")).first() is not None:
            return None
        source = app.config.get("DEMO_PLAN_SOURCE")
        if source and Path(source).is_file():
            row = import_plan(app, session, source, title=DEMO_TITLE)
            publish(session, row, None)
            return row
        row = new_plan_row(
            session,
            title=DEMO_TITLE,
            district="",
            start=DEMO_START.isoformat(),
            days=DEMO_DAYS,
            seed=0,
            status="running",
        )
    worker = threading.Thread(
        target=make_demo_plan, args=(app, row.id), name="demo-plan", daemon=True
    )
    worker.start()
    if wait:
        worker.join()
    return row


def start_background(app: Flask) -> None:
    """Fail what a previous process left running, then start the demo plan and job worker.

    ``FIRST_USERS``, ``DEMO_PLAN`` and ``JOBS_WORKER`` settings choose which start.
    """
    from web.accounts.first_users import ensure_first_users
    from web.jobs.queue import start_worker

    if app.config.get("FIRST_USERS"):
        ensure_first_users(app)
    if app.config.get("DEMO_PLAN"):
        start_demo_plan(app)  # fails unfinished plans first
    else:
        fail_unfinished(app)
    from web.debris import clean_debris

    clean_debris(app)
    if app.config.get("JOBS_WORKER"):
        start_worker(app)


def on_first_request(app: Flask) -> None:
    """Run :func:`start_background` once, at the app's first request (not for CLI commands)."""
    lock = threading.Lock()
    done = False

    def first_request() -> None:
        nonlocal done
        if done:
            return
        with lock:
            if not done:
                done = True
                start_background(app)

    app.before_request(first_request)
