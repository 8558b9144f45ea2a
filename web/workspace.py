"""The app's working copy of the district data: edits checked, swapped in, recorded, undone.

The shipped bundle (the ``DISTRICT`` setting, else the default district) is never written to.
On first use it is copied to ``instance/district/`` (without its ``source/`` folder); a district
added besides it (:mod:`web.districts.registry`) is copied to ``instance/districts/<id>/``. Every
function takes the district as ``district`` (default: the one the request works on,
:func:`web.districts.registry.active_district`). Every edit of the web app changes that copy,
in four steps, under one lock:

1. the files of the copy are copied to a staging folder beside it;
2. the edit's ``mutate`` function changes the staged files;
3. the staged bundle is checked as a whole (:func:`check_bundle`: the bundle validator, the
   rules file with its teams, the hotspot overrides); a failed check raises the validator's
   :class:`~geodata.errors.InputError` and changes nothing;
4. the changed files replace the working ones and an :class:`~web.db.Edit` row records who,
   when, what, before and after; if recording fails, the old files are put back.

The data version is the id of the latest edit (0: as shipped). A plan copies the working
data into its own folder when its job starts (:func:`snapshot`), so it keeps the version it was
made from. Each kind of edit registers how to undo it (:func:`register_undo`); :func:`undo`
refuses an edit already undone or whose target has changed since.

Use inside a view::

    def mutate(folder: Path) -> None:
        areas = read_key_areas(folder)
        ...
        write_key_areas(folder, areas)

    edit = commit_change(app, session, Change("area", "add", area_id, "Added ..."), mutate,
                         user_id=user.id)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from geodata.errors import InputError
from web.db import Edit, new_session, utcnow
from web.districts.registry import (
    active_district,
    default_district,
    district_source,
    edit_condition,
    is_default,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd
    from flask import Flask
    from sqlalchemy.orm import Session

    from geodata import District

WORKSPACE_DIR = "district"
"""Folder of the instance that holds the working copy of the default district's bundle."""

ADDED_DIR = "districts"
"""Folder of the instance that holds one working copy per added district (by id)."""

EDITABLE = ("district.gpkg", "incidents.csv", "teams.toml", "rules.toml", "hotspots.toml")
"""Files of the working copy that edits may change (the manifest and streets stay)."""

TEXT_FILES = {"teams": "teams.toml", "rules": "rules.toml", "hotspots": "hotspots.toml"}
"""Edit kind -> the text file it replaces whole (undone by :func:`_undo_text`)."""

edit_lock = threading.RLock()
"""Held while the working copy is read, changed and written back as one step."""


class WorkspaceError(InputError):
    """An edit or undo that cannot be made (one sentence saying why)."""


@dataclass(frozen=True, slots=True)
class Change:
    """What an edit is, for the audit log.

    Attributes
    ----------
    kind
        One of :data:`web.db.EDIT_KINDS`.
    action
        One of :data:`web.db.EDIT_ACTIONS`.
    target
        What changed: a key area id, a file name, ...
    summary
        One line for people (in the language of the person who edited).
    before, after
        JSON-able values of the target before and after (None: absent).
    undo_of
        The id of the edit this one reverts, for an undo.
    """

    kind: str
    action: str
    target: str
    summary: str = ""
    before: Any = None
    after: Any = None
    undo_of: int | None = None


def _key(app: Flask, district: str | None) -> str:
    """Return the id of ``district`` (None: the request's district; "": the default one)."""
    if district is None:
        return active_district(app)
    return default_district(app) if is_default(app, district) else district


def source_dir(app: Flask, district: str | None = None) -> Path:
    """Return the shipped (or added) bundle the working copy of ``district`` starts from."""
    key = _key(app, district)
    with new_session(app) as session:
        return district_source(app, session, key)


def workspace_dir(app: Flask, district: str | None = None) -> Path:
    """Return the folder of the working copy (it may not exist yet; see :func:`ensure`)."""
    key = _key(app, district)
    if is_default(app, key):
        return Path(app.instance_path) / WORKSPACE_DIR
    return Path(app.instance_path) / ADDED_DIR / key


def staging_parent(app: Flask) -> Path:
    """Return the folder where edits are staged, for every district (the instance folder)."""
    return Path(app.instance_path)


def ensure(app: Flask, district: str | None = None) -> Path:
    """Make the working copy from the shipped bundle if there is none; return its folder."""
    key = _key(app, district)
    target = workspace_dir(app, key)
    if (target / "manifest.toml").is_file():
        return target
    with edit_lock:
        if (target / "manifest.toml").is_file():
            return target
        src = source_dir(app, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".district-new-", dir=target.parent))
        try:
            for entry in src.iterdir():
                if entry.is_file():
                    shutil.copy2(entry, tmp / entry.name)
            _keep_id(tmp, src, None if is_default(app, key) else key)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _keep_id(copy: Path, source: Path, ident: str | None = None) -> None:
    """Write the district's id into the copy's manifest, so plans keep naming it.

    The default district keeps its source bundle's id; an added district (``ident``) is
    known by the id it was added under, whatever its bundle's manifest says.
    """
    from geodata.bundle import district_id, dump_toml, read_manifest

    manifest = read_manifest(copy)
    if ident is None:
        if "id" in manifest:
            return
        ident = district_id(source, manifest)
    manifest = {"id": ident, **{k: v for k, v in manifest.items() if k != "id"}}
    text = dump_toml(manifest, "District bundle manifest (see geodata/bundle.py).")
    (copy / "manifest.toml").write_text(text, encoding="utf-8")


def text_version(text: str | None) -> str:
    """Return the version (ETag) of a working file's text: a digest of it (``""`` for none)."""
    return hashlib.sha256((text or "").encode("utf-8", "surrogatepass")).hexdigest()[:16]


def latest_change(session: Session, target: str) -> dict[str, str]:
    """Return the latest recorded edit of ``target``: ``edit`` (id), ``who`` and ``summary``.

    A refused save that someone else's edit overtook names it with these values.
    """
    from web.db import User

    edit = session.scalars(
        select(Edit).where(Edit.target == target).order_by(Edit.id.desc()).limit(1)
    ).first()
    if edit is None:
        return {"edit": "?", "who": "?", "summary": "?"}
    user = session.get(User, edit.user_id) if edit.user_id is not None else None
    return {"edit": str(edit.id), "who": user.name if user else "—", "summary": edit.summary}


def data_version(session: Session, app: Flask | None = None, district: str | None = None) -> int:
    """Return the data version: the id of the latest edit, 0 when nothing was edited.

    With ``app`` and ``district``, the latest edit of that district; without, of the
    edits ``session`` sees (a request's session sees its district's, see
    :mod:`web.districts.scope`).
    """
    query = select(func.max(Edit.id))
    if app is not None:
        query = query.where(edit_condition(app, session, _key(app, district)))
    return int(session.scalar(query) or 0)


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for name in EDITABLE:
        path = folder / name
        if path.is_file():
            st = path.stat()
            out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def current_district(app: Flask, district: str | None = None) -> District:
    """Return the working district, loaded once per change of its files."""
    from geodata import load_district

    key = _key(app, district)
    folder = ensure(app, key)
    stamp = _stamp(folder)
    caches: dict[str, Any] = app.extensions.setdefault("patrol_workspace", {})
    cached = caches.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]  # type: ignore[no-any-return]
    with edit_lock:
        loaded = load_district(folder, validate=False)
        caches[key] = (stamp, loaded)
    return loaded


BUNDLE_FILES = ("district.gpkg", "incidents.csv")
"""Files whose change needs the whole bundle checked again (the layers and incidents)."""


def check_bundle(folder: Path, changed: tuple[str, ...] | None = None) -> None:
    """Check a staged bundle as the command line does: layers, rules with teams, overrides.

    Parameters
    ----------
    folder
        The bundle folder.
    changed
        The files that changed (None: all). The layers and incidents are loaded and checked
        only when one of :data:`BUNDLE_FILES` changed; a text file alone is checked by itself
        (the teams file with the rules file that names its groups).

    Raises
    ------
    geodata.errors.InputError
        The first problem found, in one sentence.
    """
    from geodata.bundle import check_teams_file, validate_district
    from planner.hotspots.risk import read_overrides
    from planner.patrol.rules_file import load_rules

    if changed is None or any(name in BUNDLE_FILES for name in changed):
        validate_district(folder)
    else:
        check_teams_file(folder)
    rules = folder / "rules.toml"
    if rules.is_file():
        teams = folder / "teams.toml"
        load_rules(rules, teams=teams if teams.is_file() else None)
    if (folder / "hotspots.toml").is_file():
        read_overrides(folder / "hotspots.toml")


def _rename_error(exc: InputError, staged: Path, folder: Path) -> InputError:
    """Return ``exc`` with the staging folder's path replaced by the working copy's."""
    text = str(exc).replace(str(staged), str(folder))
    if text == str(exc):
        return exc
    try:
        new = type(exc)(text)
    except TypeError:
        return exc
    return new


def commit_change(
    app: Flask,
    session: Session,
    change: Change,
    mutate: Callable[[Path], None],
    *,
    user_id: int | None,
    district: str | None = None,
) -> Edit | None:
    """Stage, check and apply one edit of the working data; record it in the audit log.

    Parameters
    ----------
    app, session
        The application and a database session (committed here).
    change
        What the edit is, for the audit log.
    mutate
        Changes files of the staging folder it is given (a full copy of the working data);
        may raise :class:`~geodata.errors.InputError` to refuse the edit.
    user_id
        Who made the edit.
    district
        The district whose data to change (default: the request's).

    Returns
    -------
    Edit or None
        The recorded edit, or None when ``mutate`` changed nothing (nothing is recorded).

    Raises
    ------
    geodata.errors.InputError
        When ``mutate`` refuses the edit or the changed data fails :func:`check_bundle`;
        the working data and the database are then unchanged.
    """
    key = _key(app, district)
    folder = ensure(app, key)
    with edit_lock:
        # the process id in the name tells a live edit's folder from a killed one's
        prefix = f".district-edit-{os.getpid()}-"
        staged = Path(tempfile.mkdtemp(prefix=prefix, dir=staging_parent(app)))
        try:
            for entry in folder.iterdir():
                if entry.is_file():
                    shutil.copy2(entry, staged / entry.name)
            mutate(staged)
            changed = [
                name
                for name in EDITABLE
                if _read_bytes(staged / name) != _read_bytes(folder / name)
            ]
            if not changed:
                return None
            try:
                check_bundle(staged, tuple(changed))
            except InputError as exc:
                raise _rename_error(exc, staged, folder) from None
            old = {name: _read_bytes(folder / name) for name in changed}
            edit = Edit(
                user_id=user_id,
                created_at=utcnow(),
                kind=change.kind,
                action=change.action,
                target=change.target[:200],
                summary=change.summary[:500],
                before=json.dumps(change.before, ensure_ascii=False),
                after=json.dumps(change.after, ensure_ascii=False),
                undo_of=change.undo_of,
                district=key,
            )
            # The audit record is committed first and the staging folder says which: a
            # process killed between the commit and the last file moved in is completed
            # at the next start (web.debris), one killed before the commit is discarded.
            try:
                session.add(edit)
                session.flush()
                _write_journal(staged, edit, changed)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            try:
                for name in changed:
                    _swap_in(staged / name, folder / name)
            except BaseException:
                for name, data in old.items():
                    _restore(folder / name, data)
                session.delete(edit)
                session.commit()
                raise
            return edit
        finally:
            shutil.rmtree(staged, ignore_errors=True)


JOURNAL = ".journal.json"
"""File of a staging folder naming the edit it holds and the files it replaces or removes."""


def _edit_mark(edit: Edit) -> str:
    """Return what tells an edit from another that got its id after a rollback."""
    return hashlib.sha256(f"{edit.target}|{edit.summary}|{edit.after}".encode()).hexdigest()


def _write_journal(staged: Path, edit: Edit, changed: list[str]) -> None:
    plan = {name: "replace" if (staged / name).is_file() else "remove" for name in changed}
    tmp = staged / (JOURNAL + ".tmp")
    record = {"edit": edit.id, "mark": _edit_mark(edit), "files": plan, "district": edit.district}
    text = json.dumps(record)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, staged / JOURNAL)


def finish_interrupted_edit(app: Flask, session: Session, staged: Path) -> int | None:
    """Complete the edit a killed process left in ``staged`` if its audit record was saved.

    Returns
    -------
    int or None
        The id of the completed edit, or None when there was nothing to complete (no
        journal, or its record was never committed: the edit did not happen).
    """
    try:
        journal = json.loads((staged / JOURNAL).read_text(encoding="utf-8"))
        edit_id, files = int(journal["edit"]), dict(journal["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    edit = session.get(Edit, edit_id)
    if edit is None or _edit_mark(edit) != journal.get("mark"):
        return None  # never committed (its id may since belong to another edit)
    folder = workspace_dir(app, str(journal.get("district") or ""))
    with edit_lock:
        for name, how in files.items():
            if name not in EDITABLE:
                continue
            if how == "remove":
                (folder / name).unlink(missing_ok=True)
            elif (staged / name).is_file():  # not yet moved in
                os.replace(staged / name, folder / name)
    return edit_id


def _read_bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _swap_in(staged: Path, target: Path) -> None:
    if staged.is_file():
        os.replace(staged, target)
    elif target.is_file():
        target.unlink()


def _restore(target: Path, data: bytes | None) -> None:
    if data is None:
        target.unlink(missing_ok=True)
        return
    tmp = target.with_name(f".{target.name}.restore")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def snapshot(app: Flask, session: Session, dest: str | Path, district: str | None = None) -> int:
    """Copy the working data into ``dest`` (a new bundle folder) and return its data version."""
    key = _key(app, district)
    folder = ensure(app, key)
    dest = Path(dest)
    with edit_lock:
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        for entry in folder.iterdir():
            if entry.is_file():
                shutil.copy2(entry, dest / entry.name)
        return data_version(session, app, key)


# ---------------------------------------------------------------------------------------------
# Files of the working copy


def read_text(app: Flask, name: str) -> str:
    """Return the text of a file of the working copy ("" when it does not exist)."""
    path = ensure(app) / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def replace_text(
    app: Flask,
    session: Session,
    kind: str,
    text: str,
    *,
    user_id: int | None,
    summary: str = "",
    undo_of: int | None = None,
) -> Edit | None:
    """Replace one of the :data:`TEXT_FILES` whole, checked and recorded (None: unchanged)."""
    name = TEXT_FILES[kind]
    before = read_text(app, name) or None
    action = "undo" if undo_of is not None else "replace"

    def mutate(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    change = Change(kind, action, name, summary or name, before, text, undo_of)
    return commit_change(app, session, change, mutate, user_id=user_id)


def read_key_areas(folder: str | Path) -> gpd.GeoDataFrame:
    """Return the ``key_areas`` layer of a bundle folder (e.g. the staging folder)."""
    import geopandas as gpd

    return gpd.read_file(Path(folder) / "district.gpkg", layer="key_areas", engine="pyogrio")


def write_key_areas(folder: str | Path, areas: gpd.GeoDataFrame) -> None:
    """Replace the ``key_areas`` layer of a bundle folder; other layers are kept."""
    gpkg = Path(folder) / "district.gpkg"
    areas = areas.to_crs("EPSG:4326") if areas.crs is not None else areas.set_crs("EPSG:4326")
    areas.to_file(gpkg, layer="key_areas", driver="GPKG", engine="pyogrio", geometry_type="Unknown")


# ---------------------------------------------------------------------------------------------
# Undo

_UNDO: dict[str, Callable[[Flask, Session, Edit, int | None], Edit | None]] = {}


def register_undo(
    kind: str, handler: Callable[[Flask, Session, Edit, int | None], Edit | None]
) -> None:
    """Say how to undo edits of ``kind``.

    ``handler(app, session, edit, user_id)`` makes the reverting edit (with ``undo_of`` set
    to ``edit.id``) and returns it; it raises :class:`WorkspaceError` when the target has
    changed since ``edit``.
    """
    _UNDO[kind] = handler


def undo(app: Flask, session: Session, edit_id: int, *, user_id: int | None) -> Edit | None:
    """Revert edit ``edit_id`` by a new edit; refuse one already undone or changed since.

    Raises
    ------
    WorkspaceError
        When the edit does not exist, was already undone, is itself an undo of an edit that
        was undone again, or its target has changed since.
    """
    edit = session.get(Edit, edit_id)
    key = _key(app, None)
    if edit is None or _key(app, edit.district or "") != key:
        msg = f"There is no edit {edit_id}."
        raise WorkspaceError(msg)
    done = session.scalar(select(Edit.id).where(Edit.undo_of == edit_id))
    if done is not None:
        msg = f"Edit {edit_id} was already undone by edit {done}."
        raise WorkspaceError(msg)
    handler = _UNDO.get(edit.kind)
    if handler is None:
        msg = f"Edits of kind {edit.kind!r} cannot be undone."
        raise WorkspaceError(msg)
    return handler(app, session, edit, user_id)


def _undo_text(app: Flask, session: Session, edit: Edit, user_id: int | None) -> Edit | None:
    """Put back the text a whole-file edit replaced, if the file is still as it left it."""
    name = TEXT_FILES[edit.kind]
    now = read_text(app, name) or None
    if now != json.loads(edit.after):
        msg = f"{name} has changed since edit {edit.id}; undo the later edits first."
        raise WorkspaceError(msg)
    before = json.loads(edit.before)
    if before is None:
        change = Change(edit.kind, "undo", name, f"undo {edit.id}", now, None, edit.id)

        def remove(folder: Path) -> None:
            (folder / name).unlink(missing_ok=True)

        return commit_change(app, session, change, remove, user_id=user_id)
    return replace_text(
        app,
        session,
        edit.kind,
        str(before),
        user_id=user_id,
        summary=f"undo {edit.id}",
        undo_of=edit.id,
    )


for _kind in TEXT_FILES:
    register_undo(_kind, _undo_text)
