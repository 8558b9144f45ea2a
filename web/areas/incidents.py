"""Incident imports into the working copy's incident records: previewed, checked, audited.

The records are read by :mod:`planner.hotspots.incidents`; an import is one edit of
``incidents.csv``
that can be undone.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from web.areas.edits import AreaError, edit_text
from web.workspace import (
    Change,
    WorkspaceError,
    commit_change,
    current_district,
    register_undo,
)

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from geodata import District
    from web.db import Edit

INCIDENTS_FILE = "incidents.csv"
"""The file of the working copy that holds the incident records."""

INCIDENT_SUFFIXES = (".csv", ".geojson", ".json")
"""File types an incident import reads."""


@dataclass(frozen=True, slots=True)
class IncidentPreview:
    """What importing an incident file would do.

    Attributes
    ----------
    added
        Records whose id is new to the stored history.
    replaced
        Records that replace a stored record with the same id.
    rejected
        ``(line or feature number, reason)`` of each refused record (at most
        :data:`planner.hotspots.incidents.MAX_LISTED_ERRORS` listed).
    n_rows, n_bad
        Records read and records refused.
    unit
        "line" (CSV, the header is line 1) or "feature" (GeoJSON, from 1).
    sample
        The first good records (id, time, category, lon, lat, description) as dicts.
    """

    added: int
    replaced: int
    rejected: tuple[tuple[int, str], ...]
    n_rows: int
    n_bad: int
    unit: str = "line"
    sample: tuple[dict[str, Any], ...] = ()


def _mapping(mapping: Mapping[str, str] | str | Iterable[str] | None) -> dict[str, str]:
    from planner.hotspots.incidents import parse_mapping

    if mapping is None:
        return {}
    if isinstance(mapping, Mapping):
        return parse_mapping(f"{k}={v}" for k, v in mapping.items())
    if isinstance(mapping, str):
        mapping = [line for line in mapping.replace(",", "\n").splitlines() if line.strip()]
    return parse_mapping(mapping)


def _safe_name(filename: str) -> str:
    name = Path(str(filename or "").replace("\\", "/")).name or "incidents.csv"
    name = re.sub(r"[^\w.\-]+", "_", name)[:80] or "incidents.csv"
    if Path(name).suffix.lower() not in INCIDENT_SUFFIXES:
        raise AreaError(
            "incidents_err_suffix", file=filename, suffixes=", ".join(INCIDENT_SUFFIXES)
        )
    return name


def _read_upload(
    district: District,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | str | Iterable[str] | None,
    time_zone: str | None,
) -> Any:
    """Return the :class:`planner.hotspots.incidents.ImportReport` of uploaded bytes."""
    from geodata.bundle import OUTSIDE_TOLERANCE_M as TOLERANCE
    from planner.exceptions import IncidentError
    from planner.hotspots.incidents import read_incidents

    name = _safe_name(filename)
    cols = _mapping(mapping)
    zone = (time_zone or "").strip() or str(district.manifest["time_zone"])
    reach = district.boundary.to_crs(district.work_crs).buffer(TOLERANCE * 0.98)
    boundary = reach.to_crs("EPSG:4326").union_all()
    with tempfile.TemporaryDirectory(prefix="patrol-incidents-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return read_incidents(path, time_zone=zone, mapping=cols, boundary=boundary)
        except IncidentError as exc:
            raise IncidentError(str(exc).replace(str(path), str(filename))) from None


def preview_incidents(
    app: Flask,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | str | Iterable[str] | None = None,
    *,
    time_zone: str | None = None,
) -> IncidentPreview:
    """Check an incident file (CSV or GeoJSON) against the working district; store nothing.

    Parameters
    ----------
    app
        The application (its working district gives the boundary and time zone).
    data, filename
        The uploaded file and its name (its suffix says CSV or GeoJSON).
    mapping
        Source column -> field, or ``"column=field"`` lines.
    time_zone
        Time zone of times without an offset; default the district's.

    Raises
    ------
    planner.exceptions.IncidentError
        When the file cannot be used at all (its sentence names the line and why).
    """
    district = current_district(app)
    report = _read_upload(district, data, filename, mapping, time_zone)
    stored = set(district.incidents["id"].astype(str)) if len(district.incidents) else set()
    ids = report.incidents["id"].astype(str)
    replaced = int(ids.isin(stored).sum())
    sample = []
    for rec in report.incidents.head(10).to_dict("records"):
        rec["time"] = rec["time"].isoformat()
        sample.append(rec)
    unit = report.errors[0].unit if report.errors else "line"
    if Path(filename).suffix.lower() in (".geojson", ".json"):
        unit = "feature"
    return IncidentPreview(
        added=len(ids) - replaced,
        replaced=replaced,
        rejected=tuple((e.line, e.reason) for e in report.errors),
        n_rows=report.n_rows,
        n_bad=report.n_bad,
        unit=unit,
        sample=tuple(sample),
    )


def _file_state(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    return {
        "file": INCIDENTS_FILE,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "records": max(0, len(text.splitlines()) - 1),
        "text": text,
    }


def _without_text(state: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (state or {}).items() if k != "text"}


def import_incidents(
    app: Flask,
    session: Session,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | str | Iterable[str] | None = None,
    *,
    time_zone: str | None = None,
    user_id: int | None,
) -> Edit | None:
    """Add the good records of an incident file to the working ``incidents.csv`` (one edit).

    A record with the id of a stored one replaces it. Returns the audit record (kind
    "incidents"; ``before`` holds the file's text, ``after`` its checksum and record count),
    or None when nothing changed.

    Raises
    ------
    planner.exceptions.IncidentError
        When the file cannot be used at all; nothing is then stored.
    """
    from geodata.bundle import load_district
    from planner.hotspots.incidents import merge_incidents, store_incidents

    district = current_district(app)
    report = _read_upload(district, data, filename, mapping, time_zone)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    summary = edit_text("incidents_sum_import", file=filename, n=report.n_ok, bad=report.n_bad)
    change = Change("incidents", "import", INCIDENTS_FILE, summary, before, after)

    def mutate(folder: Path) -> None:
        file = folder / INCIDENTS_FILE
        old = file.read_text(encoding="utf-8") if file.is_file() else None
        stored = load_district(folder, validate=False).incidents
        store_incidents(folder, merge_incidents(stored, report.incidents))
        before.update(_file_state(old) or {})
        # The text after is not kept: an undo needs only to know the file is still so.
        after.update(_without_text(_file_state(file.read_text(encoding="utf-8"))))

    return commit_change(app, session, change, mutate, user_id=user_id)


def _undo_incidents(app: Flask, session: Session, edit: Edit, user_id: int | None) -> Edit | None:
    """Put back the incident file an import replaced, if it is still as the import left it."""
    before = json.loads(edit.before) or None
    after = json.loads(edit.after) or None
    old_state: dict[str, Any] = {}
    new_state: dict[str, Any] = {}
    change = Change(
        "incidents",
        "undo",
        INCIDENTS_FILE,
        edit_text("area_sum_undo", id=edit.id, summary=edit.summary),
        old_state,
        new_state,
        edit.id,
    )

    def mutate(folder: Path) -> None:
        file = folder / INCIDENTS_FILE
        now = file.read_text(encoding="utf-8") if file.is_file() else None
        state = _file_state(now)
        if (state or {}).get("sha256") != (after or {}).get("sha256"):
            msg = f"{INCIDENTS_FILE} has changed since edit {edit.id}; undo the later edits first."
            raise WorkspaceError(msg)
        if before is None:
            file.unlink(missing_ok=True)
        else:
            file.write_text(before["text"], encoding="utf-8")
        old_state.update(state or {})
        new_state.update(_without_text(before))

    return commit_change(app, session, change, mutate, user_id=user_id)


register_undo("incidents", _undo_incidents)
