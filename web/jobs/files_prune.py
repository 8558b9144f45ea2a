"""Old job files out of the database: the storage a city's weekly runs would otherwise fill.

A job keeps three files in the database (:class:`web.db.JobFile`): ``inputs.zip``, the
district data a worker plans from; ``plan.json``, the plan it made; ``outputs.zip``, the
output folder ``patrol city plan`` unpacks. Once a job has finished and its outputs were
collected, the first and the last are dead weight: about 4 MB per 7-day district and week.
:func:`prune_job_files` deletes them for jobs finished before a cut-off and keeps every
``plan.json``, so each plan stays readable, printable and checkable (its check-in ledger
too), whether it is in force or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from web.db import Job, JobFile, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PRUNED_FILES = ("inputs.zip", "outputs.zip")
"""Job files that are safe to delete once their job has finished."""

FINISHED = ("done", "failed", "cancelled")
"""Job states after which no worker reads the job's files again."""


@dataclass(frozen=True)
class PruneReport:
    """What :func:`prune_job_files` deleted (or would delete, on a dry run)."""

    cutoff: datetime
    jobs: int
    files: int
    bytes: int
    dry_run: bool

    def sentence(self) -> str:
        """Return the report as one sentence a person reads."""
        size = f"{self.bytes / 1e6:.1f} MB"
        verb = "Would delete" if self.dry_run else "Deleted"
        when = self.cutoff.strftime("%Y-%m-%d %H:%M UTC")
        if not self.files:
            return f"No job finished before {when} keeps inputs or outputs; nothing to delete."
        return (
            f"{verb} {self.files} job files ({size}) of {self.jobs} jobs finished before {when}; "
            "every plan.json is kept."
        )


def prune_job_files(
    session: Session, older_than: timedelta, *, now: datetime | None = None, dry_run: bool = False
) -> PruneReport:
    """Delete the inputs and outputs of jobs finished more than ``older_than`` ago.

    Parameters
    ----------
    session
        A session of the app's database; committed unless ``dry_run``.
    older_than
        How long a finished job keeps its inputs and outputs (must not be negative).
    now
        The current time (default: now, UTC).
    dry_run
        Count what would go, delete nothing.

    Returns
    -------
    PruneReport
        The cut-off and how many jobs, files and bytes were (or would be) deleted.

    Raises
    ------
    ValueError
        When ``older_than`` is negative.
    """
    if older_than < timedelta(0):
        msg = f"The age to keep job files must not be negative (got {older_than})."
        raise ValueError(msg)
    cutoff = (now or utcnow()) - older_than
    old_jobs = (
        select(Job.id)
        .where(Job.status.in_(FINISHED), Job.finished_at.is_not(None), Job.finished_at < cutoff)
        .scalar_subquery()
    )
    which = (JobFile.job_id.in_(old_jobs), JobFile.name.in_(PRUNED_FILES))
    files, size, jobs = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(func.length(JobFile.data)), 0),
            func.count(func.distinct(JobFile.job_id)),
        ).where(*which)
    ).one()
    if not dry_run and files:
        session.execute(delete(JobFile).where(*which))
        session.commit()
    return PruneReport(cutoff, int(jobs), int(files), int(size), dry_run)
