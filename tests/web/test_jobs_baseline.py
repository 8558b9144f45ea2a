"""Tests that a planning job keeps to the plan in force over its days (web.jobs.queue baseline)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from planner.patrol import pipeline
from web.db import Job, Plan, new_session
from web.jobs.queue import BASELINE_FILE, baseline_for, prepare_stored_job, run_job, submit_job
from web.plans.in_force import in_force_over, publish
from web.plans.store import load_document, read_job_file
from web.teams.store import add_leave

START = date(2026, 12, 7)
WEEK = {"start": START.isoformat(), "days": 7, "time_limit": 10.0, "seed": 5}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """An app of the default district with a published week planned by a job."""
    from web import create_app

    folder = tmp_path_factory.mktemp("baseline_app")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite3"),
        }
    )
    with app.app_context(), new_session(app) as session:
        job = submit_job(session, {"title": "week", **WEEK}, None, district="xinjiekou")
        job_id = job.id
    assert run_job(app, job_id) == "done"
    with new_session(app) as session:
        row = session.get(Job, job_id).plan
        publish(session, row, None)
    return app


def _published(app) -> Plan:
    with new_session(app) as session:
        (row,) = [p for p in session.query(Plan).all() if p.state == "published"]
        return row


def _cells(doc) -> dict[tuple[str, int], str | None]:
    return {(g, d): s for g, row in doc.roster.schedule.items() for d, s in enumerate(row)}


def test_a_new_job_with_one_added_leave_changes_few_cells(app, monkeypatch) -> None:
    """Tests that a job over the week of the plan in force, after a whole-group leave is
    added on its fourth day, is solved with that plan as its baseline and changes few cells:
    the group on leave gives up its shift, the days before stay as they were."""
    before = _published(app)
    with app.app_context():
        old = load_document(app, before)
    day = 3
    group = next(g for g, row in old.roster.schedule.items() if row[day] is not None)
    leave_day = (START + timedelta(days=day)).isoformat()
    with app.app_context(), new_session(app) as session:
        add_leave(app, session, {"group": group, "from": leave_day, "reason": "x"}, user_id=None)
    seen = []
    make_plan = pipeline.make_plan

    def spy(inputs, request, **kwargs):
        seen.append(request.baseline)
        return make_plan(inputs, request, **kwargs)

    monkeypatch.setattr(pipeline, "make_plan", spy)
    with app.app_context(), new_session(app) as session:
        job_id = submit_job(session, {"title": "again", **WEEK}, None, district="xinjiekou").id
    assert run_job(app, job_id) == "done"
    (base,) = seen
    assert base is not None and base.dates[0] == START and len(base.dates) == 7
    with new_session(app) as session:
        row = session.get(Job, job_id).plan
        with app.app_context():
            new = load_document(app, row)
    assert new.roster.schedule[group][day] is None
    changed = [k for k, v in _cells(new).items() if _cells(old)[k] != v]
    assert 1 <= len(changed) <= 6, changed
    assert all(d >= day - 1 for _, d in changed), changed  # rest may move the day before


def test_the_plan_in_force_over_the_days_is_picked(app) -> None:
    """Tests that the published plan overlapping a period is found (not another district's,
    not one outside the period), and that a stored job keeps its roster as a job file."""
    row = _published(app)
    with new_session(app) as session:
        assert in_force_over(session, "xinjiekou", START + timedelta(days=6), 3).id == row.id
        assert in_force_over(session, "xinjiekou", START - timedelta(days=3), 3) is None
        assert in_force_over(session, "xinjiekou", START - timedelta(days=3), 4).id == row.id
        assert in_force_over(session, "elsewhere", START, 7) is None
        assert in_force_over(session, "xinjiekou", START, 7, besides=row.id) is None
        with app.app_context():
            job = submit_job(session, {"title": "stored", **WEEK}, None, district="xinjiekou")
            base = baseline_for(app, session, job.plan)
            prepare_stored_job(app, session, job)
        assert base is not None and base["plan"] == row.id
        kept = json.loads(read_job_file(session, job.id, BASELINE_FILE) or b"null")
        assert kept == base and len(kept["roster"]["schedule"]) == 4
