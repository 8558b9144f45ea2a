"""Planning job pages: the form that queues a plan, its progress page and cancellation."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from web.accounts.auth import current_user, requires
from web.db import Job, db_session
from web.i18n import translate
from web.jobs.queue import (
    MAX_DAYS,
    JobFormError,
    check_job_form,
    request_cancel,
    submit_job,
    wake_worker,
)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

FORM_FIELDS = ("title", "start", "days", "seed", "time_limit", "shortfall")
"""The planning form's fields (their defaults: :func:`web.jobs.defaults.default_job_form`)."""


def district_id() -> str:
    """Return the id of the district the app plans for (its working copy's manifest id)."""
    from geodata.bundle import district_id as bundle_id
    from web.plans.store import get_district

    district = get_district(current_app)
    folder = district.path if district.path is not None else current_app.instance_path
    return bundle_id(folder, district.manifest)


def _job_or_404(job_id: int) -> Job:
    job = db_session().get(Job, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/new", methods=["GET", "POST"])
@requires("make_plans")
def new_job() -> Any:
    """Show the planning form; on POST queue a job and go to its progress page."""
    from web.jobs.defaults import default_job_form, full_time_limit, replan_time_limit

    error = None
    form = default_job_form(current_app)
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in FORM_FIELDS}
        try:
            settings = check_job_form(form)
            job = submit_job(db_session(), settings, current_user(), district=district_id())
        except JobFormError as exc:
            error = translate(exc.key, **exc.values)
        else:
            wake_worker(current_app)
            return redirect(url_for("jobs.job_view", job_id=job.id))
    status = 400 if error else 200
    seconds, budget, shifts = full_time_limit(current_app)
    limits = {
        "total": f"{seconds:g}",
        "days": 7,
        "roster": f"{budget.roster:g}",
        "shifts": shifts,
        "per_shift": f"{budget.per_shift:g}",
        "replan": f"{replan_time_limit(current_app):g}",
    }
    return render_template(
        "job_new.html", form=form, error=error, max_days=MAX_DAYS, limits=limits
    ), status


def job_state(job: Job) -> dict[str, Any]:
    """Return a job's state as plain values (for the page and the JSON answer)."""
    return {
        "id": job.id,
        "plan_id": job.plan_id,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "cancel_requested": job.cancel_requested,
        "finished": job.finished,
    }


@bp.route("/<int:job_id>")
@requires("view_plans")
def job_view(job_id: int) -> Any:
    """Show a job's progress; the page reloads itself until the job has finished."""
    job = _job_or_404(job_id)
    return render_template("job.html", job=job, state=job_state(job))


@bp.route("/<int:job_id>.json")
@requires("view_plans")
def job_json(job_id: int) -> Any:
    """Return a job's state as JSON."""
    return jsonify(job_state(_job_or_404(job_id)))


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@requires("make_plans")
def cancel(job_id: int) -> Any:
    """Cancel a queued job, or ask a running one to stop."""
    job = _job_or_404(job_id)
    request_cancel(db_session(), job)
    if job.status == "cancelled":
        flash(translate("job_cancelled"), "info")
    elif job.cancel_requested:
        flash(translate("cancel_asked"), "info")
    return redirect(url_for("jobs.job_view", job_id=job_id))
