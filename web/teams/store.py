"""Teams and rules of the working district: read as plain data, edited in place, checked, undoable.

The forms of the captains change the working copy's ``teams.toml`` (groups, members, vehicles)
and ``rules.toml`` (horizon, shift templates, demand, rest, rotation, fairness, crew and
reserves, leave, surge and sensitive dates). Each operation:

1. reads the file with :mod:`tomlkit`, which keeps its comments and layout, and changes only
   the values the form names (new ``[[tables]]`` are added after the last one of their kind,
   before the comments that introduce the next section);
2. refuses what the file checkers do not see (an unknown id, a group still used by a rule, a
   leave overlapping another of the same member, ...) with a :class:`TeamsError`;
3. writes the whole text back through :func:`web.workspace.replace_text` (kinds ``"teams"``
   and ``"rules"``), where the bundle validator and
   :func:`planner.patrol.rules_file.load_rules` check
   it: their one-sentence messages (naming the file, line and field) come back as a
   :class:`TeamsError` and nothing is saved. The edit is in the audit log and can be undone.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Null, Table, Whitespace

from geodata.decoding import DecodeError, load_toml
from geodata.errors import InputError
from geodata.settings import MODES
from planner.patrol.rules_file import WEEKDAYS
from web import workspace
from web.i18n import translate

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from flask import Flask
    from sqlalchemy.orm import Session
    from tomlkit.container import Container
    from tomlkit.toml_document import TOMLDocument

    from web.db import Edit

KINDS = ("teams", "rules")
"""Edit kinds of this module (:data:`web.workspace.TEXT_FILES`)."""

ROLES = ("leader", "member")
"""Roles of a member inside a group."""

IDENT_RE = re.compile(r"^[A-Za-z0-9_\-]{1,20}$")
"""What a group, member, vehicle or shift id may be."""

MAX_TEXT = 200
"""Most characters of a name, reason or phone number."""

MAX_FILE = 1_000_000
"""Most characters of a whole file given to the raw editor."""

REST_FIELDS = {
    "min_rest_hours": "hours",
    "rest_after_night_hours": "hours",
    "max_nights_in_row": "int",
    "max_nights_in_row_weight": "int",
    "max_days_in_row": "int",
    "min_days_off_in_row": "int",
}
"""Settings of ``[rest]`` and their kind of number."""

SECTION_FIELDS: dict[str, dict[str, str]] = {
    "rest": REST_FIELDS,
    "fairness": {"nights": "int", "weekends": "int", "holidays": "int"},
    "crew": {"min_members": "int", "lend_weight": "int"},
    "demand": {"under_weight": "int", "over_weight": "int"},
    "horizon": {"start": "date", "days": "int"},
}
"""Sections whose plain settings :func:`set_settings` changes (a blank value removes one)."""


class TeamsError(InputError):
    """A teams or rules edit that cannot be made, in one sentence naming the field.

    Attributes
    ----------
    key, values
        The catalogue key and values of the message (for the page's language), or ``key``
        None when the message is a file checker's sentence (``str(error)``).
    """

    def __init__(self, key: str | None, text: str = "", **values: Any) -> None:
        super().__init__(translate(key, "en", **values) if key else text)
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        """Return the message in ``lang``.

        A checker's sentence goes through :func:`web.teams.rules_sentences.checker_sentence`.
        """
        if self.key:
            return translate(self.key, lang, **self.values)
        from web.teams.rules_sentences import checker_sentence

        return checker_sentence(str(self), lang)


# ---------------------------------------------------------------------------------------------
# Reading


def _plain(value: Any) -> Any:
    """Return TOML values as JSON-like data: dates as ISO text, times as ``HH:MM``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def _load(app: Flask, kind: str) -> dict[str, Any]:
    text = workspace.read_text(app, workspace.TEXT_FILES[kind])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TeamsError("tr_err_toml", file=workspace.TEXT_FILES[kind], why=str(exc)) from exc


def _member_id(item: Any) -> str:
    return str(item.get("id", "")) if isinstance(item, dict) else str(item)


def teams_data(app: Flask) -> dict[str, Any]:
    """Return the working teams file as plain data.

    Returns
    -------
    dict
        ``groups`` (id, name, name_en, default_mode, leader, base_post, members: ids),
        ``members`` (id, name, group, role, phone, licences; in group order) and
        ``vehicles`` (id, mode, name).
    """
    doc = _load(app, "teams")
    details = {str(m.get("id")): m for m in doc.get("members", []) if isinstance(m, dict)}
    groups, members = [], []
    for g in doc.get("groups", []):
        ids = [_member_id(m) for m in g.get("members", [])]
        groups.append(
            {
                "id": str(g.get("id", "")),
                "name": str(g.get("name", "")),
                "name_en": str(g.get("name_en", "")),
                "default_mode": str(g.get("default_mode", "")),
                "leader": str(g.get("leader", "")),
                "base_post": str(g.get("base_post", "")),
                "members": ids,
            }
        )
        inline = {_member_id(m): m for m in g.get("members", []) if isinstance(m, dict)}
        for mid in ids:
            m = details.get(mid) or inline.get(mid, {})
            members.append(
                {
                    "id": mid,
                    "name": str(m.get("name", "")),
                    "group": str(g.get("id", "")),
                    "role": str(m.get("role", "member")),
                    "phone": str(m.get("phone", "")),
                    "licences": [str(x) for x in m.get("licences", [])],
                }
            )
    vehicles = [
        {"id": str(v.get("id", "")), "mode": str(v.get("mode", "")), "name": str(v.get("name", ""))}
        for v in doc.get("vehicles", [])
        if isinstance(v, dict)
    ]
    return {"groups": groups, "members": members, "vehicles": vehicles}


def leave_key(item: Mapping[str, Any]) -> str:
    """Return the key that names one ``[[leave]]`` entry in forms: ``member|from|to``."""
    first = str(item.get("from", ""))
    return f"{item.get('member', '')}|{first}|{item.get('to', first)}"


def rules_data(app: Flask) -> dict[str, Any]:
    """Return the working rules file as plain data (dates ISO text, times ``HH:MM``).

    Every section is present (empty when the file lacks it); each leave entry carries its
    ``key`` (:func:`leave_key`) and ``to`` (its ``from`` when the file omits it); ``reserves``
    are the crew's reserve members as ``{id, name}``.
    """
    doc = _plain(_load(app, "rules"))
    for section in ("horizon", "demand", "rest", "fairness", "rotation", "crew", "surge"):
        doc.setdefault(section, {})
    for section in ("shifts", "leave", "pins"):
        doc.setdefault(section, [])
    doc["surge"].setdefault("dates", [])
    for item in doc["leave"]:
        item.setdefault("to", item.get("from"))
        item["key"] = leave_key(item)
    doc["reserves"] = [
        {"id": str(r.get("id", "")), "name": str(r.get("name", ""))}
        if isinstance(r, dict)
        else {"id": str(r), "name": ""}
        for r in doc["crew"].get("reserves", [])
    ]
    return doc


def horizon_dates(rules: Mapping[str, Any]) -> list[dt.date]:
    """Return the dates of the rules' horizon (empty when it has none)."""
    hz = rules.get("horizon", {})
    try:
        start = dt.date.fromisoformat(str(hz.get("start", "")))
        days = int(hz.get("days", 0))
    except (TypeError, ValueError):
        return []
    return [start + dt.timedelta(days=i) for i in range(max(days, 0))]


def leave_calendar(app: Flask) -> dict[str, Any]:
    """Return the leave calendar: members (and reserves) x days of the horizon.

    Returns
    -------
    dict
        ``days`` (ISO dates), ``weekend`` (one flag per day), ``rows`` (group, member, name,
        cells: the reasons of leave that day, "" when present) and ``leave`` (the entries of
        the file, with ``group`` and the member's ``name``).
    """
    teams = teams_data(app)
    rules = rules_data(app)
    days = horizon_dates(rules)
    people = [(m["group"], m["id"], m["name"]) for m in teams["members"]]
    people += [("", r["id"], r["name"]) for r in rules["reserves"]]
    group_of = {mid: gid for gid, mid, _ in people}
    name_of = {mid: name for _gid, mid, name in people}
    away: dict[tuple[str, dt.date], list[str]] = {}
    for item in rules["leave"]:
        item["group"] = group_of.get(str(item.get("member")), "")
        item["name"] = name_of.get(str(item.get("member")), "") or str(item.get("member", ""))
        try:
            first = dt.date.fromisoformat(str(item["from"]))
            last = dt.date.fromisoformat(str(item["to"]))
        except (KeyError, ValueError):
            continue
        day = first
        while day <= last:
            away.setdefault((str(item["member"]), day), []).append(str(item.get("reason", "")))
            day += dt.timedelta(days=1)
    rows = [
        {
            "group": gid,
            "member": mid,
            "name": name,
            "cells": [
                "; ".join(r for r in away[(mid, d)] if r) or "✓" if (mid, d) in away else ""
                for d in days
            ],
        }
        for gid, mid, name in people
    ]
    return {
        "days": [d.isoformat() for d in days],
        "weekend": [d.weekday() >= 5 for d in days],
        "rows": rows,
        "leave": rules["leave"],
    }


# ---------------------------------------------------------------------------------------------
# Writing: layout-keeping helpers


def _tail(table: Table) -> list[Any]:
    """Pop and return the comments and blank lines at the end of ``table``."""
    body = table.value.body
    out: list[Any] = []
    while body and body[-1][0] is None:
        item = body.pop()[1]
        if not isinstance(item, Null):  # what a removed setting leaves in its place
            out.insert(0, item)
    return out


def _new_table(pairs: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in pairs.items():
        table.add(key, _value(value))
    return table


def _value(value: Any) -> Any:
    """Return ``value`` as a tomlkit item; mappings become ``{ a = 1, b = 2 }``."""
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v).as_string()}" for k, v in value.items())
        return tomlkit.parse(f"v = {{ {inner} }}" if inner else "v = {}")["v"]
    if isinstance(value, list):
        array = tomlkit.array()
        for v in value:
            array.append(_value(v))
        return array
    return tomlkit.item(value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_\-]+", key) else tomlkit.item(key).as_string()


def _aot_append(container: Container | Table, key: str, pairs: Mapping[str, Any]) -> None:
    """Add a ``[[key]]`` table after the last one, before the comments of the next section."""
    table = _new_table(pairs)
    current = container.get(key)
    if isinstance(current, AoT) and len(current):
        last = current[-1]
        tail = _tail(last)
        last.value.body.append((None, Whitespace("\n")))
        for item in tail:
            table.value.body.append((None, item))
        current.append(table)
        return
    if key in container:
        del container[key]
    target = container.value if isinstance(container, Table) else container
    body = target.body
    if body and not body[-1][1].as_string().endswith("\n\n"):
        body.append((None, Whitespace("\n")))
    target.append(key, tomlkit.aot())
    target[key].append(table)


def _aot_remove(container: Container | Table, key: str, index: int) -> None:
    """Remove table ``index`` of ``[[key]]``; every comment line of the file stays.

    The comments above the removed table and those after it (which introduce what follows)
    end up together above the table or section that now follows.
    """
    aot = container[key]
    removed = aot[index]
    tail = _tail(removed)
    if len(aot) == 1:
        target = container.value if isinstance(container, Table) else container
        text = "".join(item.as_string() for item in tail)
        entries = target.body
        at = next(i for i, (k, _v) in enumerate(entries) if k is not None and k.key == key)
        following = next((v for k, v in entries[at + 1 :] if k is not None), None)
        del target[key]
        if text and isinstance(following, Table | AoT):  # the comments introduce what follows
            first = following[0] if isinstance(following, AoT) else following
            first.trivia.indent = text + first.trivia.indent
        elif text:
            target.add(Whitespace(text))
        return
    if index > 0:
        previous = aot[index - 1]
        above = "".join(item.as_string() for item in _tail(previous)).strip("\n")
        after = "".join(item.as_string() for item in tail)
        text = f"\n{above}\n{after.lstrip(chr(10))}" if above else after
        if text:
            previous.value.body.append((None, Whitespace(text)))
    else:  # comments after the first table introduce the next one: keep them above its header
        text = "".join(item.as_string() for item in tail).lstrip("\n")
        following = aot[1]
        following.trivia.indent = text + following.trivia.indent
    del aot[index]


def _set(table: Any, key: str, value: Any) -> None:
    """Set ``key`` of a table: in place when present, else after its last setting.

    ``None`` removes the key.
    """
    container = table.value if isinstance(table, Table) else table
    if value is None:
        if key in container:
            del container[key]
        return
    item = _value(value)
    if key in container:
        trivia = getattr(container.item(key), "trivia", None)
        if trivia is not None:
            for attr in ("indent", "comment_ws", "comment", "trail"):
                setattr(item.trivia, attr, getattr(trivia, attr))
        container[key] = item
        return
    if "\n" not in item.trivia.trail:
        item.trivia.trail = "\n"
    if isinstance(table, Table):  # after its last setting, before the comments that close it
        tail = _tail(table)
        container.append(key, item)
        for piece in tail:
            container.add(piece)
    else:
        container.append(key, item)


def _section(doc: TOMLDocument, name: str) -> Table:
    """Return the table ``[name]`` of the document, adding an empty one at the end if needed."""
    if name not in doc:
        if doc.body and not doc.body[-1][1].as_string().endswith("\n\n"):
            doc.body.append((None, Whitespace("\n")))
        doc.add(name, tomlkit.table())
    table = doc[name]
    if not isinstance(table, Table):
        raise TeamsError("tr_err_not_table", section=name)
    return table


# ---------------------------------------------------------------------------------------------
# Writing: the one way changes reach the files


def _clean(message: str, app: Flask) -> str:
    """Drop the server's folder from a checker's message (the file name says enough)."""
    folder = str(workspace.workspace_dir(app))
    return message.replace(f" in {folder}", "").replace(f"{folder}/", "")


def _commit(
    app: Flask,
    session: Session,
    kind: str,
    change: Callable[[TOMLDocument], str],
    *,
    user_id: int | None,
) -> Edit | None:
    """Apply ``change`` to the parsed file of ``kind`` and write it back, checked and logged.

    ``change`` edits the document in place and returns the audit log's summary line.
    """
    name = workspace.TEXT_FILES[kind]
    with workspace.edit_lock:  # read, change, write as one step
        text = workspace.read_text(app, name)
        try:
            doc = tomlkit.parse(text)
        except TOMLKitError as exc:
            raise TeamsError("tr_err_toml", file=name, why=str(exc)) from exc
        summary = change(doc)
        try:
            return workspace.replace_text(
                app, session, kind, tomlkit.dumps(doc), user_id=user_id, summary=summary
            )
        except TeamsError:
            raise
        except InputError as exc:
            raise TeamsError(None, _clean(str(exc), app)) from exc


def replace_raw(
    app: Flask,
    session: Session,
    kind: str,
    text: str,
    *,
    user_id: int | None,
    expect_version: str | None = None,
) -> Edit | None:
    """Replace the whole teams or rules file with ``text`` (the raw editor), checked as a form.

    ``expect_version`` is the file's version when the editor opened it
    (:func:`web.workspace.text_version`); when given and the file has changed since, nothing
    is saved.

    Raises
    ------
    TeamsError
        For an unknown kind, the checker's sentence when the text is refused, or
        (``tr_err_stale``) a file changed since ``expect_version``, naming that edit.
    """
    if kind not in KINDS:
        raise TeamsError("tr_err_kind", kind=kind)
    if len(text) > MAX_FILE:
        raise TeamsError("tr_err_too_long", field=workspace.TEXT_FILES[kind], n=MAX_FILE)
    try:
        load_toml(text, workspace.TEXT_FILES[kind], max_bytes=MAX_FILE)
    except DecodeError as exc:
        if exc.key != "syntax":  # a syntax error gets the rules checker's own sentence below
            raise TeamsError(f"dec_{exc.key}", **exc.values) from None
    text = text.replace("\r\n", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    name = workspace.TEXT_FILES[kind]
    with workspace.edit_lock:  # the version check and the write as one step
        now = workspace.text_version(workspace.read_text(app, name))
        if expect_version is not None and now != expect_version:
            raise TeamsError("tr_err_stale", file=name, **workspace.latest_change(session, name))
        try:
            return workspace.replace_text(
                app, session, kind, text, user_id=user_id, summary=f"{kind}: raw edit"
            )
        except InputError as exc:
            raise TeamsError(None, _clean(str(exc), app)) from exc


# ---------------------------------------------------------------------------------------------
# Form values


def _text(fields: Mapping[str, Any], key: str, field: str, *, required: bool = False) -> str:
    value = str(fields.get(key) or "").strip()
    if required and not value:
        raise TeamsError("tr_err_required", field=field)
    if len(value) > MAX_TEXT:
        raise TeamsError("tr_err_too_long", field=field, n=MAX_TEXT)
    return value


def _ident(fields: Mapping[str, Any], key: str, field: str) -> str:
    value = _text(fields, key, field, required=True)
    if not IDENT_RE.match(value):
        raise TeamsError("tr_err_ident", field=field, value=value)
    return value


def _number(value: Any, field: str, kind: str) -> Any:
    """Parse a form number (``""``: None); the checker judges its range, with its sentence."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if kind == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise TeamsError("tr_err_date", field=field, value=text) from None
    try:
        return int(text)
    except ValueError:
        if kind != "hours":
            raise TeamsError("tr_err_whole", field=field, value=text) from None
    try:
        number = float(text)
    except ValueError:
        raise TeamsError("tr_err_hours", field=field, value=text) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise TeamsError("tr_err_hours", field=field, value=text)
    return number


def _date(fields: Mapping[str, Any], key: str, field: str) -> dt.date:
    text = _text(fields, key, field, required=True)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TeamsError("tr_err_date", field=field, value=text) from None


def _counts(fields: Mapping[str, Any], prefix: str, field: str, shifts: list[str]) -> dict:
    """Read ``{prefix}{shift}`` fields as ``{shift: n}`` (blank fields left out)."""
    out = {}
    for sid in shifts:
        n = _number(fields.get(f"{prefix}{sid}"), f"{field}.{sid}", "int")
        if n is not None:
            out[sid] = n
    return out


def _find(aot: Any, ident: str) -> int | None:
    for i, item in enumerate(aot or []):
        if str(item.get("id", "")) == ident:
            return i
    return None


def _other(app: Flask, kind: str) -> dict[str, Any]:
    """Return the other file of the pair as parsed data (for cross-checks)."""
    return _load(app, kind)


# ---------------------------------------------------------------------------------------------
# Teams: groups


def _group_index(doc: Any, group_id: str) -> int:
    i = _find(doc.get("groups"), group_id)
    if i is None:
        raise TeamsError("tr_err_unknown_group", group=group_id)
    return i


def _posts(app: Flask) -> set[str]:
    district = workspace.current_district(app)
    return {str(p) for p in district.posts["id"]}


def _group_fields(app: Flask, fields: Mapping[str, Any], members: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = _text(fields, "name", "groups.name", required=True)
    if "name_en" in fields:
        out["name_en"] = _text(fields, "name_en", "groups.name_en") or None
    if "default_mode" in fields:
        mode = _text(fields, "default_mode", "groups.default_mode")
        if mode and mode not in MODES:
            raise TeamsError("tr_err_mode", field="groups.default_mode", value=mode)
        out["default_mode"] = mode or None
    if "leader" in fields:
        leader = _text(fields, "leader", "groups.leader")
        if leader and leader not in members:
            raise TeamsError("tr_err_leader", member=leader)
        out["leader"] = leader or None
    if "base_post" in fields:
        post = _text(fields, "base_post", "groups.base_post")
        if post and post not in _posts(app):
            raise TeamsError("tr_err_post", post=post)
        out["base_post"] = post or None
    return out


def add_group(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add an empty group: ``id``, ``name``; optional ``name_en``, ``default_mode``, base post."""
    gid = _ident(fields, "id", "groups.id")
    values = _group_fields(app, {k: v for k, v in fields.items() if k != "leader"}, [])
    if "name" not in values:
        raise TeamsError("tr_err_required", field="groups.name")

    def change(doc: TOMLDocument) -> str:
        if _find(doc.get("groups"), gid) is not None:
            raise TeamsError("tr_err_group_exists", group=gid)
        pairs = {"id": gid, **{k: v for k, v in values.items() if v is not None}, "members": []}
        _aot_append(doc, "groups", pairs)
        return f"teams: added group {gid}"

    return _commit(app, session, "teams", change, user_id=user_id)


def update_group(
    app: Flask, session: Session, group_id: str, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Rename a group or change its default travel mode, leader or base post.

    Only the fields given change; a blank optional field removes the setting.
    """

    def change(doc: TOMLDocument) -> str:
        group = doc["groups"][_group_index(doc, group_id)]
        members = [_member_id(m) for m in group.get("members", [])]
        for key, value in _group_fields(app, fields, members).items():
            _set(group, key, value)
        return f"teams: changed group {group_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


def group_uses(rules: Mapping[str, Any], group_id: str) -> list[str]:
    """Return the fields of a parsed rules file that name ``group_id``."""
    uses = []
    if group_id in (rules.get("rotation", {}).get("offsets") or {}):
        uses.append("rotation.offsets")
    nb = rules.get("crew", {}).get("neighbours") or {}
    if group_id in nb or any(group_id in v for v in nb.values() if isinstance(v, list)):
        uses.append("crew.neighbours")
    if any(p.get("group") == group_id for p in rules.get("pins", [])):
        uses.append("pins")
    if any(g.get("id") == group_id for g in rules.get("groups", []) if isinstance(g, dict)):
        uses.append("groups")
    return uses


def remove_group(
    app: Flask, session: Session, group_id: str, *, user_id: int | None
) -> Edit | None:
    """Remove a group that has no members left and that no rule names."""
    rules = _other(app, "rules")

    def change(doc: TOMLDocument) -> str:
        i = _group_index(doc, group_id)
        if doc["groups"][i].get("members"):
            raise TeamsError("tr_err_group_has_members", group=group_id)
        uses = group_uses(rules, group_id)
        if uses:
            raise TeamsError("tr_err_group_used", group=group_id, fields=", ".join(uses))
        if len(doc["groups"]) == 1:
            raise TeamsError("tr_err_last_group")
        _aot_remove(doc, "groups", i)
        return f"teams: removed group {group_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


# ---------------------------------------------------------------------------------------------
# Teams: members


def _member_where(doc: Any, member_id: str) -> tuple[int, int]:
    """Return (group index, position in its list) of a member."""
    for gi, g in enumerate(doc.get("groups", [])):
        for mi, m in enumerate(g.get("members", [])):
            if _member_id(m) == member_id:
                return gi, mi
    raise TeamsError("tr_err_unknown_member", member=member_id)


def _member_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = _text(fields, "name", "members.name", required=True)
    if "role" in fields:
        role = _text(fields, "role", "members.role") or "member"
        if role not in ROLES:
            raise TeamsError("tr_err_role_member", value=role)
        out["role"] = role
    if "phone" in fields:
        out["phone"] = _text(fields, "phone", "members.phone")
    return out


def add_member(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add a member (``id``, ``name``, ``group``; optional ``role``, ``phone``) to a group."""
    mid = _ident(fields, "id", "members.id")
    gid = _text(fields, "group", "members.group", required=True)
    values = {"role": "member", "phone": "", **_member_fields(fields)}
    if "name" not in values:
        raise TeamsError("tr_err_required", field="members.name")
    reserves = rules_reserves(_other(app, "rules"))

    def change(doc: TOMLDocument) -> str:
        gi = _group_index(doc, gid)
        known = {_member_id(m) for g in doc.get("groups", []) for m in g.get("members", [])}
        known |= {str(m.get("id")) for m in doc.get("members", [])}
        if mid in known or mid in reserves:
            raise TeamsError("tr_err_member_exists", member=mid)
        group = doc["groups"][gi]
        if "members" not in group:
            group["members"] = tomlkit.array()
        # A file with [[members]] (or no members yet) gets the details there; a file that
        # lists its members only inside the groups gets them inline, as its others are.
        details = bool(doc.get("members")) or not known
        inline = not details or any(isinstance(m, dict) for m in group["members"])
        short = {"id": mid, "name": values["name"]}
        if not details and values["role"] != "member":
            short["role"] = values["role"]
        group["members"].append(_value(short) if inline else mid)
        if details:
            pairs = {"id": mid, "name": values["name"], "group": gid, "role": values["role"]}
            pairs.update({"phone": values["phone"], "licences": []})
            _aot_append(doc, "members", pairs)
        return f"teams: added member {mid} to group {gid}"

    return _commit(app, session, "teams", change, user_id=user_id)


def update_member(
    app: Flask, session: Session, member_id: str, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Change a member's name, role or phone."""
    values = _member_fields(fields)

    def change(doc: TOMLDocument) -> str:
        _member_where(doc, member_id)
        i = _find(doc.get("members"), member_id)
        if i is None:
            raise TeamsError("tr_err_member_no_details", member=member_id)
        for key, value in values.items():
            _set(doc["members"][i], key, value)
        return f"teams: changed member {member_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


def move_member(
    app: Flask, session: Session, member_id: str, group_id: str, *, user_id: int | None
) -> Edit | None:
    """Move a member to another group (a group's leader must be replaced first)."""

    def change(doc: TOMLDocument) -> str:
        gi, mi = _member_where(doc, member_id)
        to = _group_index(doc, group_id)
        if gi == to:
            return ""
        source = doc["groups"][gi]
        if str(source.get("leader", "")) == member_id:
            raise TeamsError("tr_err_member_leads", member=member_id, group=str(source["id"]))
        item = source["members"][mi]
        del source["members"][mi]
        target = doc["groups"][to]
        if "members" not in target:
            target["members"] = tomlkit.array()
        target["members"].append(item.unwrap() if hasattr(item, "unwrap") else item)
        i = _find(doc.get("members"), member_id)
        if i is not None and "group" in doc["members"][i]:
            _set(doc["members"][i], "group", group_id)
        return f"teams: moved member {member_id} to group {group_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


def remove_member(
    app: Flask, session: Session, member_id: str, *, user_id: int | None
) -> Edit | None:
    """Remove a member who leads no group and has no leave in the rules file."""
    rules = _other(app, "rules")

    def change(doc: TOMLDocument) -> str:
        gi, mi = _member_where(doc, member_id)
        group = doc["groups"][gi]
        if str(group.get("leader", "")) == member_id:
            raise TeamsError("tr_err_member_leads", member=member_id, group=str(group["id"]))
        if any(str(lv.get("member")) == member_id for lv in rules.get("leave", [])):
            raise TeamsError("tr_err_member_on_leave", member=member_id)
        del group["members"][mi]
        i = _find(doc.get("members"), member_id)
        if i is not None:
            _aot_remove(doc, "members", i)
        return f"teams: removed member {member_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


# ---------------------------------------------------------------------------------------------
# Teams: vehicles


def _vehicle_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "mode" in fields:
        mode = _text(fields, "mode", "vehicles.mode", required=True)
        if mode not in MODES:
            raise TeamsError("tr_err_mode", field="vehicles.mode", value=mode)
        out["mode"] = mode
    if "name" in fields:
        out["name"] = _text(fields, "name", "vehicles.name")
    return out


def add_vehicle(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add a vehicle to the team's pool (``id``, ``mode``, optional ``name``)."""
    vid = _ident(fields, "id", "vehicles.id")
    values = _vehicle_fields({"name": "", **fields})
    if "mode" not in values:
        raise TeamsError("tr_err_required", field="vehicles.mode")

    def change(doc: TOMLDocument) -> str:
        if _find(doc.get("vehicles"), vid) is not None:
            raise TeamsError("tr_err_vehicle_exists", vehicle=vid)
        _aot_append(doc, "vehicles", {"id": vid, "mode": values["mode"], "name": values["name"]})
        return f"teams: added vehicle {vid} ({values['mode']})"

    return _commit(app, session, "teams", change, user_id=user_id)


def update_vehicle(
    app: Flask, session: Session, vehicle_id: str, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Change a vehicle's mode or name."""
    values = _vehicle_fields(fields)

    def change(doc: TOMLDocument) -> str:
        i = _find(doc.get("vehicles"), vehicle_id)
        if i is None:
            raise TeamsError("tr_err_unknown_vehicle", vehicle=vehicle_id)
        for key, value in values.items():
            _set(doc["vehicles"][i], key, value)
        return f"teams: changed vehicle {vehicle_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


def remove_vehicle(
    app: Flask, session: Session, vehicle_id: str, *, user_id: int | None
) -> Edit | None:
    """Remove a vehicle from the team's pool."""

    def change(doc: TOMLDocument) -> str:
        i = _find(doc.get("vehicles"), vehicle_id)
        if i is None:
            raise TeamsError("tr_err_unknown_vehicle", vehicle=vehicle_id)
        _aot_remove(doc, "vehicles", i)
        return f"teams: removed vehicle {vehicle_id}"

    return _commit(app, session, "teams", change, user_id=user_id)


def vehicle_counts(teams: Mapping[str, Any]) -> dict[str, int]:
    """Return how many vehicles the pool has of each mode (in :data:`MODES` order)."""
    counts = dict.fromkeys(MODES, 0)
    for v in teams.get("vehicles", []):
        counts[v["mode"]] = counts.get(v["mode"], 0) + 1
    return counts


# ---------------------------------------------------------------------------------------------
# Rules: reserves and leave


def rules_reserves(rules: Mapping[str, Any]) -> set[str]:
    """Return the ids of the crew's reserve members in a parsed rules file."""
    out = set()
    for r in rules.get("crew", {}).get("reserves", []) or []:
        out.add(str(r.get("id", "")) if isinstance(r, dict) else str(r))
    return out


def add_reserve(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add a reserve member (``id``, ``name``) who may fill in for any group short of members."""
    rid = _ident(fields, "id", "crew.reserves.id")
    name = _text(fields, "name", "crew.reserves.name")
    members = {m["id"] for m in teams_data(app)["members"]}

    def change(doc: TOMLDocument) -> str:
        crew = _section(doc, "crew")
        existing = rules_reserves({"crew": crew.unwrap()})
        if rid in existing or rid in members:
            raise TeamsError("tr_err_member_exists", member=rid)
        entry = {"id": rid, "name": name} if name else {"id": rid}
        if "reserves" not in crew:
            _set(crew, "reserves", [])
        crew["reserves"].append(_value(entry))
        return f"rules: added reserve {rid}"

    return _commit(app, session, "rules", change, user_id=user_id)


def remove_reserve(
    app: Flask, session: Session, reserve_id: str, *, user_id: int | None
) -> Edit | None:
    """Remove a reserve member who has no leave in the rules file."""

    def change(doc: TOMLDocument) -> str:
        reserves = doc.get("crew", {}).get("reserves") or []
        ids = [str(r.get("id", "")) if isinstance(r, dict) else str(r) for r in reserves]
        if reserve_id not in ids:
            raise TeamsError("tr_err_unknown_member", member=reserve_id)
        if any(str(lv.get("member")) == reserve_id for lv in doc.get("leave", [])):
            raise TeamsError("tr_err_member_on_leave", member=reserve_id)
        del doc["crew"]["reserves"][ids.index(reserve_id)]
        return f"rules: removed reserve {reserve_id}"

    return _commit(app, session, "rules", change, user_id=user_id)


def add_leave(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add leave of a member, or of every member of a group, for a date range.

    Parameters
    ----------
    fields
        ``member`` (a member or reserve id) or ``group`` (a group id: one entry per member),
        ``from`` and ``to`` (dates, inclusive; ``to`` blank: one day) and ``reason``.

    Raises
    ------
    TeamsError
        For a missing or bad field, a leave overlapping one the member already has, or the
        rules checker's sentence (unknown member, end before start, outside the horizon).
    """
    member = _text(fields, "member", "leave.member")
    group = _text(fields, "group", "leave.group")
    if bool(member) == bool(group):
        raise TeamsError("tr_err_leave_who")
    first = _date(fields, "from", "leave.from")
    last = _date(fields, "to", "leave.to") if _text(fields, "to", "leave.to") else first
    reason = _text(fields, "reason", "leave.reason")
    if group:
        teams = teams_data(app)
        found = [g for g in teams["groups"] if g["id"] == group]
        if not found:
            raise TeamsError("tr_err_unknown_group", group=group)
        who = found[0]["members"]
        if not who:
            raise TeamsError("tr_err_group_empty", group=group)
    else:
        who = [member]

    def change(doc: TOMLDocument) -> str:
        if last >= first:
            for item in doc.get("leave", []):
                if str(item.get("member")) not in who:
                    continue
                try:
                    a = dt.date.fromisoformat(str(item.get("from")))
                    b = dt.date.fromisoformat(str(item.get("to", item.get("from"))))
                except ValueError:
                    continue
                if a <= last and first <= b:
                    raise TeamsError(
                        "tr_err_leave_overlap", member=str(item["member"]), first=a, last=b
                    )
        for mid in who:
            pairs = {"member": mid, "from": first.isoformat(), "to": last.isoformat()}
            if reason:
                pairs["reason"] = reason
            _aot_append(doc, "leave", pairs)
        target = f"group {group}" if group else mid
        return f"rules: leave of {target} {first}–{last}" + (f" ({reason})" if reason else "")

    return _commit(app, session, "rules", change, user_id=user_id)


def remove_leave(
    app: Flask, session: Session, keys: list[str], *, user_id: int | None
) -> Edit | None:
    """Remove the leave entries named by their :func:`leave_key` (one edit for all)."""
    if not keys:
        raise TeamsError("tr_err_required", field="leave")

    def change(doc: TOMLDocument) -> str:
        entries = doc.get("leave", [])
        have = [leave_key(item) for item in entries]
        for key in keys:
            if key not in have:
                raise TeamsError("tr_err_unknown_leave", entry=key)
        for i in sorted({have.index(k) for k in keys}, reverse=True):
            _aot_remove(doc, "leave", i)
        return "rules: removed leave " + ", ".join(keys)

    return _commit(app, session, "rules", change, user_id=user_id)


# ---------------------------------------------------------------------------------------------
# Rules: shift templates, settings, demand, rotation, surge


def shift_ids(app: Flask) -> list[str]:
    """Return the ids of the working rules' shift templates."""
    return [str(s.get("id")) for s in rules_data(app)["shifts"]]


def shift_uses(rules: Mapping[str, Any], shift_id: str) -> list[str]:
    """Return the fields of a parsed rules file that name shift ``shift_id``."""
    uses = []
    demand = rules.get("demand", {})
    for key in ("default", *WEEKDAYS):
        if shift_id in (demand.get(key) or {}):
            uses.append(f"demand.{key}")
    if shift_id in (rules.get("rotation", {}).get("pattern") or []):
        uses.append("rotation.pattern")
    if any(p.get("shift") == shift_id for p in rules.get("pins", [])):
        uses.append("pins")
    surge = rules.get("surge", {})
    if shift_id in (surge.get("holiday_extra") or {}):
        uses.append("surge.holiday_extra")
    if any(shift_id in (d.get("extra") or {}) for d in surge.get("dates", [])):
        uses.append("surge.dates")
    return uses


def set_shift(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add a shift template or change one (``id``, ``name``, ``start``, ``end`` as HH:MM).

    The checker refuses templates that overlap or last zero hours, with its sentence. Meal and
    rest windows of a changed template that no longer lie inside its hours are dropped (the
    summary says so).
    """
    sid = _ident(fields, "id", "shifts.id")
    start = _text(fields, "start", "shifts.start", required=True)
    end = _text(fields, "end", "shifts.end", required=True)
    name = _text(fields, "name", "shifts.name")

    def change(doc: TOMLDocument) -> str:
        i = _find(doc.get("shifts"), sid)
        if i is None:
            pairs = {"id": sid, "name": name or sid, "start": start, "end": end}
            _aot_append(doc, "shifts", pairs)
            return f"rules: added shift {sid} {start}–{end}"
        shift = doc["shifts"][i]
        if name:
            _set(shift, "name", name)
        _set(shift, "start", start)
        _set(shift, "end", end)
        dropped = []
        meals = [str(w) for w in shift.get("meals", [])]
        kept = [w for w in meals if _inside_shift(w, start, end)]
        if kept != meals:
            dropped += [w for w in meals if w not in kept]
            _set(shift, "meals", kept or None)
        rest = shift.get("rest")
        if rest is not None and not _inside_shift(str(rest), start, end):
            dropped.append(str(rest))
            _set(shift, "rest", None)
        note = f" (windows outside it dropped: {', '.join(dropped)})" if dropped else ""
        return f"rules: shift {sid} {start}–{end}{note}"

    return _commit(app, session, "rules", change, user_id=user_id)


def _inside_shift(window: str, start: str, end: str) -> bool:
    """Whether a ``"HH:MM-HH:MM"`` window lies inside a shift from ``start`` to ``end``."""

    def minutes(text: str) -> int | None:
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
        return (int(m.group(1)) * 60 + int(m.group(2))) % 1440 if m else None

    parts = [minutes(p) for p in window.split("-")]
    lo_shift, hi_shift = minutes(start), minutes(end)
    if len(parts) != 2 or None in parts or lo_shift is None or hi_shift is None:
        return True  # the rules checker names what is wrong
    length = (hi_shift - lo_shift) % 1440 or 1440
    a, b = ((p - lo_shift) % 1440 for p in parts if p is not None)
    b = b or 1440
    return a < b <= length


def remove_shift(
    app: Flask, session: Session, shift_id: str, *, user_id: int | None
) -> Edit | None:
    """Remove a shift template that no demand, rotation, pin or surge names."""

    def change(doc: TOMLDocument) -> str:
        i = _find(doc.get("shifts"), shift_id)
        if i is None:
            raise TeamsError("tr_err_unknown_shift", shift=shift_id)
        uses = shift_uses(doc.unwrap(), shift_id)
        if uses:
            raise TeamsError("tr_err_shift_used", shift=shift_id, fields=", ".join(uses))
        if len(doc["shifts"]) == 1:
            raise TeamsError("tr_err_last_shift")
        _aot_remove(doc, "shifts", i)
        return f"rules: removed shift {shift_id}"

    return _commit(app, session, "rules", change, user_id=user_id)


def set_settings(
    app: Flask,
    session: Session,
    section: str,
    fields: Mapping[str, Any],
    *,
    user_id: int | None,
) -> Edit | None:
    """Change plain settings of ``[rest]``, ``[fairness]``, ``[crew]``, ``[demand]``, ``[horizon]``.

    Only the fields given (see :data:`SECTION_FIELDS`) change; a blank one removes the
    setting (a rule without its weight becomes hard, ...). Numbers are checked by the rules
    checker, which names the field (negative numbers, a zero-day horizon, ...).
    """
    allowed = SECTION_FIELDS.get(section)
    if allowed is None:
        raise TeamsError("tr_err_section", section=section)
    values = {
        key: _number(fields[key], f"{section}.{key}", kind)
        for key, kind in allowed.items()
        if key in fields
    }
    if not values:
        raise TeamsError("tr_err_required", field=section)

    def change(doc: TOMLDocument) -> str:
        table = _section(doc, section)
        for key, value in values.items():
            _set(table, key, value)
        shown = ", ".join(f"{k} = {'—' if v is None else v}" for k, v in values.items())
        return f"rules: [{section}] {shown}"

    return _commit(app, session, "rules", change, user_id=user_id)


def set_demand(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Set how many groups each shift needs: ``default_<shift>`` and ``<weekday>_<shift>``.

    A weekday whose fields are all blank has no override (it uses ``default``).
    """
    shifts = shift_ids(app)
    default = _counts(fields, "default_", "demand.default", shifts)
    weekdays = {w: _counts(fields, f"{w}_", f"demand.{w}", shifts) for w in WEEKDAYS}

    def change(doc: TOMLDocument) -> str:
        table = _section(doc, "demand")
        _set(table, "default", default)
        for w in WEEKDAYS:
            _set(table, w, weekdays[w] or None)
        return "rules: demand " + ", ".join(f"{k} = {v}" for k, v in default.items())

    return _commit(app, session, "rules", change, user_id=user_id)


def set_rotation(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Set the rotation ``pattern`` and its ``weight``.

    The pattern is shift ids or ``off``, comma- or space-separated (blank: no rotation); a
    blank weight makes the rotation a hard rule.
    """
    raw = _text(fields, "pattern", "rotation.pattern")
    pattern = [p for p in re.split(r"[\s,]+", raw) if p]
    weight = _number(fields.get("weight"), "rotation.weight", "int")

    def change(doc: TOMLDocument) -> str:
        table = _section(doc, "rotation")
        _set(table, "pattern", pattern or None)
        _set(table, "weight", weight if pattern else None)
        return f"rules: rotation {' '.join(pattern) or '—'}" + (
            f" (weight {weight})" if weight is not None else ""
        )

    return _commit(app, session, "rules", change, user_id=user_id)


def set_surge(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Set the surge on public holidays.

    ``public_holidays`` is on when the field is ``"on"``, ``"true"``, ``"1"`` or ``"yes"``;
    ``holiday_extra_<shift>`` are the groups added on public holidays.
    """
    shifts = shift_ids(app)
    on = str(fields.get("public_holidays", "")).strip().lower() in ("on", "true", "1", "yes")
    extra = _counts(fields, "holiday_extra_", "surge.holiday_extra", shifts)

    def change(doc: TOMLDocument) -> str:
        table = _section(doc, "surge")
        _set(table, "public_holidays", on)
        _set(table, "holiday_extra", extra or None)
        return f"rules: public holidays {'on' if on else 'off'}, extra {extra}"

    return _commit(app, session, "rules", change, user_id=user_id)


def add_surge_date(
    app: Flask, session: Session, fields: Mapping[str, Any], *, user_id: int | None
) -> Edit | None:
    """Add a sensitive date: ``date``, ``name`` and ``extra_<shift>`` groups it adds."""
    day = _date(fields, "date", "surge.dates.date")
    name = _text(fields, "name", "surge.dates.name", required=True)
    extra = _counts(fields, "extra_", "surge.dates.extra", shift_ids(app))
    if not any(extra.values()):
        raise TeamsError("tr_err_surge_extra")

    def change(doc: TOMLDocument) -> str:
        surge = _section(doc, "surge")
        for item in surge.get("dates", []):
            if str(item.get("date")) == day.isoformat():
                raise TeamsError("tr_err_surge_exists", date=day)
        _aot_append(surge, "dates", {"date": day.isoformat(), "name": name, "extra": extra})
        return f"rules: sensitive date {day} {name}"

    return _commit(app, session, "rules", change, user_id=user_id)


def remove_surge_date(
    app: Flask, session: Session, date: str, *, user_id: int | None
) -> Edit | None:
    """Remove the sensitive date ``date`` (ISO text)."""

    def change(doc: TOMLDocument) -> str:
        surge = doc.get("surge", {})
        dates = [str(item.get("date")) for item in surge.get("dates", [])]
        if date not in dates:
            raise TeamsError("tr_err_unknown_surge", date=date)
        _aot_remove(doc["surge"], "dates", dates.index(date))
        return f"rules: removed sensitive date {date}"

    return _commit(app, session, "rules", change, user_id=user_id)
