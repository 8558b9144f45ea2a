"""Remove what interrupted edits and failed planning jobs leave behind in the instance folder.

An edit stages a full copy of the working data in ``instance/.district-edit-*`` (about 7 MB
for the default district) and removes it when it ends; a process killed mid-save leaves it.
If its audit record was committed before the kill, the files it had not yet moved in are
moved in first (:func:`web.workspace.finish_interrupted_edit`): no saved edit is lost.
A planning job copies the working data into its plan's ``data`` folder; a job that fails,
is cancelled or is killed leaves that copy with no plan to use it. :func:`clean_debris` runs
when the app starts its background work, and :func:`discard_snapshot` when a job fails.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from web.db import Plan, new_session
from web.plans.store import PLAN_DATA_DIR, PLANS_DIR
from web.workspace import workspace_dir

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger("planner")

STAGING_PATTERNS = (".district-edit-*", ".district-new-*")
"""Staging folders of edits and of the first copy of the working data."""

STALE_SECONDS = 600.0
"""Age after which a staging folder is debris even if its process still runs (an edit takes
seconds); a folder whose process has ended is debris at once."""

UNFINISHED = ("failed", "cancelled")
"""Plan states whose data snapshot no plan uses."""


def _owner_alive(name: str) -> bool:
    """Return whether the process named in a staging folder still runs.

    The name is ``.district-edit-<pid>-...``; a name without a process id counts as alive
    (the folder then goes only when it is stale).
    """
    parts = name.split("-")
    if len(parts) < 4 or not parts[2].isdigit():
        return True
    pid = int(parts[2])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it runs under another user
        return True
    return True


def _finish_edit(app: Flask, folder: Path) -> None:
    """Complete the edit of a killed process's staging folder if its record was saved."""
    from web.workspace import finish_interrupted_edit

    with new_session(app) as session:
        edit_id = finish_interrupted_edit(app, session, folder)
    if edit_id is not None:
        logger.warning("Completed edit %d, interrupted by the end of its process.", edit_id)


def discard_snapshot(app: Flask, plan_id: int) -> bool:
    """Remove the data snapshot of plan ``plan_id``; return whether there was one."""
    data = Path(app.instance_path) / PLANS_DIR / str(plan_id) / PLAN_DATA_DIR
    if not data.is_dir():
        return False
    shutil.rmtree(data, ignore_errors=True)
    return True


def clean_debris(app: Flask, *, now: float | None = None) -> list[Path]:
    """Remove stale staging folders and the snapshots of failed or cancelled plans.

    Parameters
    ----------
    app
        The application whose instance folder is cleaned.
    now
        The time to measure ages against (default: now), for tests.

    Returns
    -------
    list of Path
        What was removed.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    parent = workspace_dir(app).parent
    for pattern in STAGING_PATTERNS:
        for folder in parent.glob(pattern):
            try:
                old = now - folder.stat().st_mtime > STALE_SECONDS
            except OSError:
                continue
            stale = folder.is_dir() and (old or not _owner_alive(folder.name))
            if stale:
                _finish_edit(app, folder)
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    with new_session(app) as session:
        ids = session.scalars(select(Plan.id).where(Plan.status.in_(UNFINISHED))).all()
    for plan_id in ids:
        data = Path(app.instance_path) / PLANS_DIR / str(plan_id) / PLAN_DATA_DIR
        if discard_snapshot(app, plan_id):
            removed.append(data)
    if removed:
        logger.info("Removed %d folders left by interrupted edits and jobs.", len(removed))
    return removed
