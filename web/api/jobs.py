"""Planning jobs through the API: queue one (as the planning form), follow it, cancel it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from web.accounts.auth import current_user
from web.api.core import ID, ApiBlueprint, form_strings, refuse
from web.db import Job, db_session
from web.jobs.queue import (
    MAX_DAYS,
    TIME_LIMITS,
    JobFormError,
    check_job_form,
    request_cancel,
    submit_job,
    wake_worker,
)
from web.jobs.views import district_id, job_state

bp = ApiBlueprint(
    "api_jobs",
    __name__,
    url_prefix="/api/v1/jobs",
    description="Background planning jobs: each makes one plan of the working district.",
)

FIELD_OF_KEY = {
    "err_start": "start",
    "err_start_range": "start",
    "err_days": "days",
    "err_seed": "seed",
    "err_time_limit": "time_limit",
    "err_title": "title",
}
"""web.jobs.queue.JobFormError keys -> the body field they blame."""


class JobRequestSchema(ma.Schema):
    """The planning form's fields (checked again by web.jobs.queue.check_job_form)."""

    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    start = ma.fields.Date(required=True, metadata={"description": "First day, YYYY-MM-DD."})
    days = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_DAYS))
    seed = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=2**31 - 1))
    time_limit = ma.fields.Float(
        load_default=26.0,
        validate=ma.validate.Range(min=TIME_LIMITS[0], max=TIME_LIMITS[1]),
        metadata={
            "description": "Seconds of solving in all, split between the roster and each "
            "shift's routes as the default budget is (5 s roster, 1.5 s per shift)."
        },
    )


class JobSchema(ma.Schema):
    """Return a job's state and progress (the job page's JSON)."""

    id = ma.fields.Integer()
    plan_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "queued, running, done, failed, ..."})
    stage = ma.fields.String()
    done = ma.fields.Integer()
    total = ma.fields.Integer()
    message = ma.fields.String()
    cancel_requested = ma.fields.Boolean()
    finished = ma.fields.Boolean()


def _job(job_id: int) -> Job:
    job = db_session().get(Job, job_id)
    if job is None:
        refuse(404, f"There is no job {job_id}.", "job_id")
    return job


@bp.route("", methods=["POST"])
@bp.needs("make_plans")
@bp.arguments(JobRequestSchema)
@bp.response(201, JobSchema)
def create_job(body: dict[str, Any]) -> dict[str, Any]:
    """Queue a planning job for the working district; its plan appears in the plan list."""
    try:
        settings = check_job_form(form_strings(body))
    except JobFormError as exc:
        refuse(422, str(exc), FIELD_OF_KEY.get(exc.key))
    try:
        job = submit_job(db_session(), settings, current_user(), district=district_id())
    except JobFormError as exc:
        refuse(429, str(exc))
    wake_worker(current_app)
    return job_state(job)


@bp.route(f"/<{ID}:job_id>", methods=["GET"])
@bp.needs("view_plans")
@bp.response(200, JobSchema)
def get_job(job_id: int) -> dict[str, Any]:
    """Return a job's state and progress (stage, done of total)."""
    return job_state(_job(job_id))


@bp.route(f"/<{ID}:job_id>/cancel", methods=["POST"])
@bp.needs("make_plans")
@bp.response(200, JobSchema)
@bp.alt_response(409, description="The job has already finished.")
def cancel_job(job_id: int) -> dict[str, Any]:
    """Cancel a queued job at once, or ask a running one to stop at its next step."""
    job = _job(job_id)
    if job.finished:
        refuse(409, f"Job {job_id} has already finished ({job.status}).", "job_id")
    request_cancel(db_session(), job)
    return job_state(job)
