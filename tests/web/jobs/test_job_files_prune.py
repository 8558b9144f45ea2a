"""Tests of pruning old job files: inputs and outputs go, every plan.json stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from web.cli import cli
from web.db import Job, JobFile, Plan, new_session
from web.jobs.files_prune import prune_job_files

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from flask import Flask

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _job(app: Flask, status: str, finished: datetime | None, files: dict[str, bytes]) -> int:
    with new_session(app) as session:
        plan = Plan(title="t", district="d", start="2026-06-01", days=7, status="ready")
        session.add(plan)
        session.flush()
        job = Job(plan_id=plan.id, status=status, finished_at=finished)
        session.add(job)
        session.flush()
        for name, data in files.items():
            session.add(JobFile(job_id=job.id, name=name, data=data))
        session.commit()
        return job.id


def _names(app: Flask, job_id: int) -> list[str]:
    with new_session(app) as session:
        rows = session.scalars(select(JobFile.name).where(JobFile.job_id == job_id))
        return sorted(rows)


ALL = {"inputs.zip": b"i" * 100, "plan.json": b"{}", "outputs.zip": b"o" * 400}


@pytest.fixture
def jobs(make_web_app: Callable[..., Flask]) -> tuple[Flask, dict[str, int]]:
    app = make_web_app()
    made = {
        "old": _job(app, "done", NOW - timedelta(days=20), ALL),
        "old_failed": _job(app, "failed", NOW - timedelta(days=30), {"inputs.zip": b"x" * 50}),
        "recent": _job(app, "done", NOW - timedelta(days=2), ALL),
        "running": _job(app, "running", None, {"inputs.zip": b"r" * 70}),
    }
    return app, made


def test_prune_deletes_old_inputs_and_outputs_and_keeps_plans(
    jobs: tuple[Flask, dict[str, int]],
) -> None:
    """Tests that only finished jobs past the cut-off lose their zips, never plan.json."""
    app, made = jobs
    with new_session(app) as session:
        dry = prune_job_files(session, timedelta(days=14), now=NOW, dry_run=True)
    assert (dry.jobs, dry.files, dry.bytes) == (2, 3, 550)
    assert _names(app, made["old"]) == ["inputs.zip", "outputs.zip", "plan.json"]
    assert dry.sentence().startswith("Would delete 3 job files (0.0 MB) of 2 jobs")

    with new_session(app) as session:
        report = prune_job_files(session, timedelta(days=14), now=NOW)
    assert (report.jobs, report.files, report.bytes, report.dry_run) == (2, 3, 550, False)
    assert _names(app, made["old"]) == ["plan.json"]
    assert _names(app, made["old_failed"]) == []
    assert _names(app, made["recent"]) == ["inputs.zip", "outputs.zip", "plan.json"]
    assert _names(app, made["running"]) == ["inputs.zip"]

    with new_session(app) as session:
        again = prune_job_files(session, timedelta(days=14), now=NOW)
    assert again.files == 0
    assert again.sentence().startswith("No job finished before 2026-06-16 12:00 UTC")


def test_prune_refuses_a_negative_age(jobs: tuple[Flask, dict[str, int]]) -> None:
    """Tests that a negative age is refused in a sentence and deletes nothing."""
    app, made = jobs
    with new_session(app) as session, pytest.raises(ValueError, match="must not be negative"):
        prune_job_files(session, timedelta(days=-1), now=NOW)
    assert _names(app, made["old"]) == ["inputs.zip", "outputs.zip", "plan.json"]


def test_patrol_db_prune_command(tmp_path: Path) -> None:
    """Tests `patrol db prune`: a sentence on success, a usage error on a negative age."""
    env = {
        "PATROL_INSTANCE": str(tmp_path / "inst"),
        "PATROL_DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
    }
    runner = CliRunner(env=env)
    result = runner.invoke(cli, ["db", "prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "nothing to delete" in result.output
    bad = runner.invoke(cli, ["db", "prune", "--older-than", "-3"])
    assert bad.exit_code == 2
    assert "Traceback" not in bad.output
    assert "-3" in bad.output
