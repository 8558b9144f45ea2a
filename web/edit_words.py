"""An edit of ``teams.toml`` or ``rules.toml`` in words: what changed, per group, member or rule.

The edit history stores both files whole. :func:`toml_change_rows` compares what they say, not
their lines: a member's phone from one number to another, a leave entry added, a rule's limit
from 5 to 6, with members, groups and posts named as the teams file names them.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

from web.i18n import MESSAGES, translate

Row = tuple[str, str, str]
"""One change: (what, before, after)."""

SECTIONS: dict[str, str] = {
    "groups": "tr_groups",
    "members": "tr_members",
    "reserves": "tr_reserves",
    "vehicles": "tr_vehicles",
    "grid_members": "ew_grid_members",
    "leave": "leave",
    "shifts": "tr_shifts",
    "pins": "ew_pins",
    "horizon": "tr_horizon_form",
    "demand": "tr_demand",
    "rest": "tr_rest",
    "rotation": "tr_rotation",
    "fairness": "tr_fairness",
    "crew": "tr_crew",
    "surge": "tr_surge",
}
"""Catalogue key of the name of each list of entries of the two files."""

FIELDS: dict[str, str] = {
    "name": "tr_name",
    "name_en": "tr_name_en",
    "default_mode": "tr_default_mode",
    "mode": "ew_mode",
    "leader": "tr_leader",
    "base_post": "tr_base_post",
    "members": "tr_members",
    "member": "tr_member",
    "group": "tr_groups",
    "phone": "tr_phone",
    "role": "ew_role",
    "licences": "ew_licences",
    "count": "tr_count",
    "reason": "tr_reason",
    "from": "tr_from",
    "to": "tr_to",
    "start": "tr_start",
    "end": "tr_end",
    "grid": "ew_grid",
    "hours": "ew_hours",
    "kind": "ew_kind",
}
"""Catalogue key of the name of an entry's field (rules' settings use their form labels)."""

ID_FIELDS = frozenset({"leader", "members", "member", "group", "base_post", "grid"})
"""Fields whose values are ids of members, groups, posts or grids, shown by name."""

MAX_ROWS = 40
"""Changes shown per edit; more are summed up in one last row."""


def _parse(text: Any) -> dict[str, Any] | None:
    try:
        return tomllib.loads(str(text or ""))
    except tomllib.TOMLDecodeError:
        return None


def _entity_names(data: dict[str, Any], lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for section in ("groups", "members", "reserves", "vehicles", "grid_members"):
        for entry in data.get(section) or []:
            if isinstance(entry, dict) and "id" in entry:
                name = str(entry.get("name") or "")
                if lang == "en" and section == "groups":
                    name = str(entry.get("name_en") or name)
                out[str(entry["id"])] = name or str(entry["id"])
    return out


def _label(key: str, path: str) -> str:
    """Return the name of a field or setting at dotted ``path`` (its key when none)."""
    from web.teams.rules_sentences import NAMES

    for text in (NAMES.get(path), FIELDS.get(key), SECTIONS.get(key), f"tr_field_{key}"):
        if text and text in MESSAGES:
            return translate(text)
    return path


class _Words:
    """Turns values into words with the names of members, groups, posts and grids."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.rows: list[Row] = []

    def value(self, key: str, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return translate("audit_yes") if value else translate("audit_no")
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, list):
            if not value:
                return translate("tr_none")
            return translate("ew_list").join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return self.fields(value)
        text = str(value)
        if key in ID_FIELDS:
            return self.names.get(text, text)
        if key in ("mode", "default_mode") and f"mode_{text}" in MESSAGES:
            return translate(f"mode_{text}")
        return text

    def entry(self, entry: dict[str, Any]) -> str:
        """Return a whole entry in words: its name, else its fields."""
        if "id" in entry:
            return self.names.get(str(entry["id"]), str(entry.get("name") or entry["id"]))
        return self.fields(entry)

    def fields(self, entry: dict[str, Any]) -> str:
        """Return a table's fields in words: 请假队员 孙磊，开始 2026-12-14."""
        return translate("ew_sep").join(
            f"{_label(k, k)} {self.value(k, v)}" for k, v in entry.items()
        )

    def add(self, what: str, before: str, after: str) -> None:
        self.rows.append((what, before, after))

    def walk(self, path: str, key: str, what: str, old: Any, new: Any) -> None:
        """Add the rows of the changes between ``old`` and ``new`` at dotted ``path``."""
        if old == new:
            return
        if isinstance(old, dict) and isinstance(new, dict):
            for k in dict.fromkeys([*old, *new]):
                sub = f"{path}.{k}" if path else k
                label = _label(k, sub)
                self.walk(sub, k, f"{what} · {label}" if what else label, old.get(k), new.get(k))
            return
        if _entries(old) and _entries(new):
            self.entries(path, key, what, old or [], new or [])
            return
        self.add(what, self.value(key, old), self.value(key, new))

    def entries(
        self, path: str, key: str, what: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
    ) -> None:
        """Compare two lists of entries: by id when they have one, else entry by entry."""
        if all("id" in e for e in [*old, *new]):
            before = {str(e["id"]): e for e in old}
            after = {str(e["id"]): e for e in new}
            for eid in dict.fromkeys([*before, *after]):
                o, n = before.get(eid), after.get(eid)
                name = self.entry(n if n is not None else o or {})
                label = f"{what} {name}"
                if o is None:
                    self.add(label, "", translate("ew_added"))
                elif n is None:
                    self.add(label, translate("ew_removed"), "")
                else:
                    self.walk(path, key, label, o, n)
            return
        stamp = [json.dumps(e, sort_keys=True, default=str) for e in old]
        kept = [json.dumps(e, sort_keys=True, default=str) for e in new]
        gone = [self.entry(e) for t, e in zip(stamp, old, strict=True) if t not in kept]
        came = [self.entry(e) for t, e in zip(kept, new, strict=True) if t not in stamp]
        # An entry changed in place reads as one row from what to what.
        for k in range(max(len(gone), len(came))):
            self.add(what, gone[k] if k < len(gone) else "", came[k] if k < len(came) else "")


def _entries(value: Any) -> bool:
    """Whether ``value`` is a list of tables (or nothing), as ``[[leave]]`` is."""
    if value is None:
        return True
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def toml_change_rows(
    before: Any, after: Any, names: dict[str, str] | None = None, lang: str = "zh"
) -> list[Row] | None:
    """Return the changes between two texts of ``teams.toml`` or ``rules.toml`` in words.

    Parameters
    ----------
    before, after
        The file's text before and after the edit ("" or None: no file).
    names
        Ids of members, groups, posts and grids -> their names (the files' own names are
        added: a member added by the edit is named too).
    lang
        The page's language, for the groups' names.

    Returns
    -------
    list of (what, before, after) or None
        One row per changed field or setting, added or removed entry; None when either text
        is not TOML (the page then shows the lines).
    """
    old, new = _parse(before), _parse(after)
    if old is None or new is None:
        return None
    words = _Words({**(names or {}), **_entity_names(old, lang), **_entity_names(new, lang)})
    words.walk("", "", "", old, new)
    rows = words.rows
    if len(rows) > MAX_ROWS:
        rows = [*rows[:MAX_ROWS], ("…", "", translate("ew_more", n=len(rows) - MAX_ROWS))]
    return rows
