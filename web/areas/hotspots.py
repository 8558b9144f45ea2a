"""Hotspot pins and weights in the working copy's ``hotspots.toml``: checked, audited, undoable."""

from __future__ import annotations

import json
import math
import tomllib
from typing import TYPE_CHECKING, Any

from web.areas.edits import MARKUP_RE, AreaError, edit_text, same_value
from web.workspace import (
    Change,
    WorkspaceError,
    commit_change,
    current_district,
    ensure,
    register_undo,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from flask import Flask
    from sqlalchemy.orm import Session

    from geodata import District
    from web.db import Edit

HOTSPOTS_FILE = "hotspots.toml"
"""The file of the working copy that holds the planners' pins and weights."""

MAX_WEIGHT = 100.0
"""Largest hotspot weight (risk multiplier)."""

MAX_NOTE = 200
"""Longest note of a hotspot entry."""


def _read_entries(folder: Path) -> list[dict[str, Any]]:
    file = folder / HOTSPOTS_FILE
    if not file.is_file():
        return []
    data = tomllib.loads(file.read_text(encoding="utf-8"))
    entries = data.get("override", [])
    return [dict(e) for e in entries] if isinstance(entries, list) else []


def _entry(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return an override in canonical form: id, pin, weight, note (None: no override)."""
    if entry is None:
        return None
    return {
        "id": str(entry["id"]),
        "pin": bool(entry.get("pin", False)),
        "weight": float(entry.get("weight", 1.0)),
        "note": str(entry.get("note", "")),
    }


def hotspot_overrides(app: Flask) -> list[dict[str, Any]]:
    """Return the working hotspot overrides (id, pin, weight, note), in file order."""
    from planner.hotspots.risk import read_overrides

    folder = ensure(app)
    read_overrides(folder)  # the file as the planner reads it; refuses a broken one
    return [e for e in (_entry(x) for x in _read_entries(folder)) if e is not None]


def place_ids(district: District) -> dict[str, str]:
    """Return place id -> kind ("key_area", "street" or "grid") of places that may be pinned."""
    out: dict[str, str] = {}
    for kind, layer in (("grid", district.grids), ("street", district.streets)):
        out.update(dict.fromkeys(layer["id"].astype(str), kind))
    out.update(dict.fromkeys(district.key_areas["id"].astype(str), "key_area"))
    return out


def check_hotspot(
    district: District, place_id: Any, *, pin: Any, weight: Any, note: Any
) -> dict[str, Any]:
    """Check a hotspot override's fields and return them (id, pin, weight, note).

    Raises
    ------
    AreaError
        For an unknown place, a weight that is not a number from 0 to :data:`MAX_WEIGHT`, or
        a note that is too long.
    """
    pid = str(place_id or "").strip()
    if pid not in place_ids(district):
        raise AreaError("hotspot_err_place", id=pid)
    if isinstance(pin, str):
        pin = pin.strip().lower() in ("1", "true", "on", "yes")
    if weight is None or (isinstance(weight, str) and not weight.strip()):
        value = 1.0
    else:
        try:
            value = float(str(weight).strip()) if not isinstance(weight, bool) else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 <= value <= MAX_WEIGHT):
            raise AreaError("hotspot_err_weight", value=str(weight), max=f"{MAX_WEIGHT:g}")
    text = str(note or "").strip()
    if len(text) > MAX_NOTE or "\n" in text:
        raise AreaError("hotspot_err_note", max=MAX_NOTE)
    if MARKUP_RE.search(text):
        raise AreaError("area_err_markup", field="note")
    return {"id": pid, "pin": bool(pin), "weight": value, "note": text}


def _write_entries(folder: Path, entries: list[dict[str, Any]]) -> None:
    from geodata.bundle import dump_toml

    file = folder / HOTSPOTS_FILE
    if not entries:
        file.unlink(missing_ok=True)
        return
    header = (
        "Planners' hotspot pins and risk weights (see planner.hotspots.risk.read_overrides).\n"
        "Written by the web app's hotspot editor."
    )
    file.write_text(dump_toml({"override": entries}, header=header), encoding="utf-8")


def _commit_hotspot(
    app: Flask,
    session: Session,
    place_id: str,
    new: dict[str, Any] | None,
    expect: dict[str, Any] | None,
    *,
    summary: str,
    user_id: int | None,
    undo_of: int | None = None,
) -> Edit | None:
    action = "undo" if undo_of is not None else ("update" if expect is not None else "add")
    if new is None and undo_of is None:
        action = "delete"
    change = Change("hotspot", action, place_id, summary, expect, new, undo_of)

    def mutate(folder: Path) -> None:
        entries = _read_entries(folder)
        index = next((i for i, e in enumerate(entries) if str(e.get("id")) == place_id), None)
        now = _entry(entries[index]) if index is not None else None
        if not same_value(now, expect):
            if undo_of is not None:
                msg = (
                    f"The hotspot override of {place_id} has changed since edit {undo_of}; "
                    "undo the later edits first."
                )
                raise WorkspaceError(msg)
            raise AreaError("area_err_changed", id=place_id)
        if new is None:
            if index is not None:
                del entries[index]
        elif index is None:
            entries.append(dict(new))
        else:
            entries[index] = dict(new)
        _write_entries(folder, entries)

    return commit_change(app, session, change, mutate, user_id=user_id)


def set_hotspot(
    app: Flask,
    session: Session,
    place_id: str,
    *,
    pin: Any,
    weight: Any,
    note: Any,
    user_id: int | None,
) -> Edit | None:
    """Pin a place as a hotspot and/or weight its risk, in the working ``hotspots.toml``.

    ``pin`` false, ``weight`` 1 and an empty ``note`` remove the place's override. Returns
    the audit record (kind "hotspot"), or None when nothing changed.

    Raises
    ------
    AreaError
        For an unknown place id, a bad weight or a too long note.
    """
    district = current_district(app)
    fields = check_hotspot(district, place_id, pin=pin, weight=weight, note=note)
    pid = fields["id"]
    current = {e["id"]: e for e in hotspot_overrides(app)}
    old = current.get(pid)
    new: dict[str, Any] | None = fields
    if not fields["pin"] and fields["weight"] == 1.0 and not fields["note"]:
        new = None
    if same_value(old, new):
        return None
    if new is None:
        summary = edit_text("hotspot_sum_clear", id=pid)
    else:
        summary = edit_text(
            "hotspot_sum_set",
            id=pid,
            pin=edit_text("area_yes" if new["pin"] else "area_no"),
            weight=f"{new['weight']:g}",
        )
    return _commit_hotspot(app, session, pid, new, old, summary=summary, user_id=user_id)


def _undo_hotspot(app: Flask, session: Session, edit: Edit, user_id: int | None) -> Edit | None:
    """Put back a place's override as it was before an edit, if unchanged since."""
    return _commit_hotspot(
        app,
        session,
        edit.target,
        json.loads(edit.before),
        json.loads(edit.after),
        summary=edit_text("area_sum_undo", id=edit.id, summary=edit.summary),
        user_id=user_id,
        undo_of=edit.id,
    )


register_undo("hotspot", _undo_hotspot)
