"""Plans kept by the web app: plan.json files in the instance folder, listed in the database."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from flask import abort, current_app, g
from sqlalchemy import select

from geodata.errors import InputError
from planner.plan.document import PlanDocument, read_plan, write_plan
from web.db import Job, JobFile, Plan, User, db_session

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from geodata import District

PLANS_DIR = "plans"
"""Folder of the instance that holds one sub-folder per plan."""

PLAN_DATA_DIR = "data"
"""Sub-folder of a plan's folder: the district data the plan was made from."""

_docs: dict[tuple[str, float], PlanDocument] = {}
_docs_lock = threading.Lock()


def plan_dir(app: Flask, plan_id: int) -> Path:
    """Return (and make) the folder of plan ``plan_id`` in the instance folder."""
    path = Path(app.instance_path) / PLANS_DIR / str(plan_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_plan_row(
    session: Session,
    *,
    title: str,
    district: str,
    start: str,
    days: int,
    seed: int,
    status: str,
    user: User | None = None,
) -> Plan:
    """Add and commit a plan row without a file yet (for plans being made)."""
    row = Plan(
        title=title,
        district=district,
        start=start,
        days=days,
        seed=seed,
        status=status,
        created_by_id=user.id if user is not None else None,
    )
    session.add(row)
    session.commit()
    return row


def attach_document(app: Flask, session: Session, row: Plan, doc: PlanDocument) -> Plan:
    """Write ``doc`` as the plan.json of ``row``, fill its fields from it and mark it ready."""
    folder = plan_dir(app, row.id)
    write_plan(doc, folder / PlanDocument.FILE_NAME)
    row.path = str(Path(PLANS_DIR) / str(row.id) / PlanDocument.FILE_NAME)
    row.district = doc.district.id
    row.start = doc.start
    row.days = doc.days
    row.seed = doc.seed
    row.status = "ready"
    row.message = ""
    session.commit()
    return row


def import_plan(
    app: Flask, session: Session, source: str | Path, *, title: str, user: User | None = None
) -> Plan:
    """Check and store a copy of an existing plan.json; nothing is stored when it is refused.

    Raises
    ------
    planner.exceptions.ProblemError
        When the file is not a valid plan document.
    """
    doc = read_plan(source)
    row = new_plan_row(
        session,
        title=title,
        district=doc.district.id,
        start=doc.start,
        days=doc.days,
        seed=doc.seed,
        status="running",
        user=user,
    )
    folder = plan_dir(app, row.id)
    shutil.copyfile(source, folder / PlanDocument.FILE_NAME)
    return attach_document(app, session, row, doc)


def pack_folder(folder: str | Path, *, skip: tuple[str, ...] = ("source",)) -> bytes:
    """Return the files under ``folder`` as a zip archive (folders named in ``skip`` left out)."""
    root = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and relative.parts[0] not in skip:
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


class ArchiveError(InputError):
    """A stored archive that cannot be unpacked safely."""


def unpack_folder(data: bytes, dest: str | Path) -> Path:
    """Unpack a :func:`pack_folder` archive into ``dest`` (made if needed); return ``dest``.

    Raises
    ------
    ArchiveError
        When the data is no zip archive or names a file outside ``dest``.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                part = PurePosixPath(name)
                if part.is_absolute() or ".." in part.parts:
                    msg = f"The stored archive names a file outside its folder: {name!r}."
                    raise ArchiveError(msg)
            archive.extractall(dest)
    except zipfile.BadZipFile as exc:
        msg = f"The stored archive cannot be read: {exc}."
        raise ArchiveError(msg) from None
    return dest


def store_job_file(session: Session, job_id: int, name: str, data: bytes) -> None:
    """Keep ``data`` as file ``name`` of job ``job_id`` (replacing one of that name; no commit)."""
    row = session.get(JobFile, (job_id, name))
    if row is None:
        session.add(JobFile(job_id=job_id, name=name, data=data))
    else:
        row.data = data


def read_job_file(session: Session, job_id: int, name: str) -> bytes | None:
    """Return file ``name`` of job ``job_id`` as kept in the database, or None."""
    row = session.get(JobFile, (job_id, name))
    return None if row is None else bytes(row.data)


def fetch_plan_file(app: Flask, row: Plan) -> Path:
    """Return the plan.json of ``row``, copied from the database when a worker made it.

    A plan made by a Celery worker on another machine lives in the database (the job's
    ``plan.json``); the first reader on this machine writes it to the instance folder.
    """
    path = row.plan_file(app.instance_path)
    if path.is_file():
        return path
    from web.db import new_session

    with new_session(app) as session:
        data = session.scalar(
            select(JobFile.data)
            .join(Job, Job.id == JobFile.job_id)
            .where(Job.plan_id == row.id, JobFile.name == PlanDocument.FILE_NAME)
        )
    if data is None:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".plan-", dir=path.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(bytes(data))
    os.replace(tmp, path)
    return path


def load_document(app: Flask, row: Plan) -> PlanDocument:
    """Return the plan document of ``row``, read once per file version."""
    path = fetch_plan_file(app, row)
    key = (str(path), path.stat().st_mtime)
    with _docs_lock:
        doc = _docs.get(key)
    if doc is None:
        doc = read_plan(path)
        with _docs_lock:
            _docs[key] = doc
    return doc


def ready_plan_or_404(plan_id: int) -> tuple[Plan, PlanDocument]:
    """Return the ready plan ``plan_id`` and its document, or answer HTTP 404."""
    from web.plans.in_force import may_see

    row = db_session().get(Plan, plan_id)
    if row is None or row.status != "ready" or not row.path:
        abort(404)
    if not may_see(row, g.get("user")):  # members and viewers: published plans only
        abort(404)
    try:
        doc = load_document(current_app, row)
    except FileNotFoundError:
        abort(404)
    return row, doc


def get_district(app: Flask) -> District:
    """Return the app's working district (:func:`web.workspace.current_district`)."""
    from web.workspace import current_district

    return current_district(app)
