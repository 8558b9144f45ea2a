"""The checks' own reading of a rules file and of teams.toml (not the planner's parser).

The validators recompute every rule from a plan and the raw inputs; they read the rules file's
text with :mod:`tomllib` here, so a mistake in the planner's reading of a rule shows up as a
violation instead of hiding in both. Defaults are PRACTICE.md's, written out here again.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def clock_minutes(value: Any) -> int:
    """Return minutes after midnight of ``"HH:MM"`` (or a TOML time)."""
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    hh, mm = str(value).strip().split(":")
    return (int(hh) * 60 + int(mm)) % 1440


def as_date(value: Any) -> dt.date:
    """Return a date from a TOML date or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the days from ``first`` to ``last``, both included."""
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def shift_window(text: str, start: int) -> tuple[int, int]:
    """Return ``"HH:MM-HH:MM"`` as minutes from the shift's midnight (after it: past 1440)."""
    a, b = (clock_minutes(p) for p in text.split("-"))
    a = a if a >= start else a + 1440
    b = b if b > start else b + 1440
    return (a, b if b > a else b + 1440)


@dataclass(frozen=True, slots=True)
class RawShift:
    """A shift template as the checks read it (minutes from local midnight)."""

    id: str
    start: int
    minutes: int
    night: bool
    meals: tuple[tuple[int, int], ...]
    rest: tuple[int, int] | None


class RawRules:
    """The rules file and teams.toml as the checks read them."""

    def __init__(self, text: str, teams: Mapping[str, Any]) -> None:
        doc = tomllib.loads(text)
        self.shifts: dict[str, tuple[int, int]] = {}
        self.templates: dict[str, RawShift] = {}
        for s in doc.get("shifts", []):
            sid = str(s["id"])
            start, end = clock_minutes(s["start"]), clock_minutes(s["end"])
            minutes = (end - start) % 1440
            self.shifts[sid] = (start, minutes)
            meals = tuple(shift_window(str(w), start) for w in s.get("meals", []))
            rest = shift_window(str(s["rest"]), start) if "rest" in s else None
            night = bool(s.get("night", start + minutes > 1440))
            self.templates[sid] = RawShift(sid, start, minutes, night, meals, rest)
        self.night = {sid: t.night for sid, t in self.templates.items()}
        raw_groups = doc.get("groups") or teams.get("groups", [])
        self.groups: dict[str, list[str]] = {}
        for g in raw_groups:
            ids = [str(m["id"]) if isinstance(m, dict) else str(m) for m in g.get("members", [])]
            self.groups[str(g["id"])] = ids
        demand = doc.get("demand", {})
        self.default = {k: int(v) for k, v in demand.get("default", {}).items()}
        if "default" not in demand:
            self.default = {sid: 1 for sid in self.shifts}
        self.weekday = {w: dict(demand[w]) for w in WEEKDAYS if w in demand}
        self.cover_soft = "under_weight" in demand or "over_weight" in demand
        rest = doc.get("rest", {})
        self.min_rest = round(float(rest["min_rest_hours"]) * 60) if "min_rest_hours" in rest else 0
        after = rest.get("rest_after_night_hours")
        self.rest_after_night = round(float(after) * 60) if after is not None else 0
        nights = rest.get("max_nights_in_row")
        soft = "max_nights_in_row_weight" in rest
        self.max_nights = None if nights is None or soft else int(nights)
        # A call-out holds to the limit even where the roster may pay to pass it.
        self.max_nights_any = None if nights is None else int(nights)
        self.max_days = rest.get("max_days_in_row")
        self.min_off = rest.get("min_days_off_in_row")
        crew = doc.get("crew", {})
        self.min_members = crew.get("min_members")
        self.reserves = [
            str(r["id"]) if isinstance(r, dict) else str(r) for r in crew.get("reserves", [])
        ]
        self.neighbours = {
            str(g): [str(h) for h in hs] for g, hs in crew.get("neighbours", {}).items()
        }
        self.leave: set[tuple[str, dt.date]] = set()
        for lv in doc.get("leave", []):
            first = as_date(lv["from"])
            for day in days_between(first, as_date(lv.get("to", lv["from"]))):
                self.leave.add((str(lv["member"]), day))
        self.pins = [
            (
                str(p["group"]),
                as_date(p["date"]),
                None if str(p["shift"]).lower() == "off" else str(p["shift"]),
            )
            for p in doc.get("pins", [])
        ]
        surge = doc.get("surge", {})
        extra = surge.get("holiday_extra", {}) if surge.get("public_holidays") else {}
        self.holiday_extra = {str(k): int(v) for k, v in extra.items()}
        self.surge = [
            (as_date(x["date"]), dict(x.get("extra", {}))) for x in surge.get("dates", [])
        ]
        st = doc.get("shift_time", {})
        self.handover = int(st.get("handover_minutes", 15)) * 60
        self.meal = int(st.get("meal_minutes", 30)) * 60
        self.rest_length = int(st.get("rest_minutes", 60)) * 60
        self.reserve = float(st.get("reserve_share", 0.25))
        self.max_checkpoints = int(st.get("max_checkpoints", 25))
        self.gate = int(st.get("gate_minutes", 15)) * 60
        self.inspection = int(doc.get("inspections", {}).get("minutes", 30)) * 60
        call_out = doc.get("call_out", {})
        most = call_out.get("max_hours_in_7_days")
        self.call_out_max = round(float(most) * 60) if most is not None else None
        units = doc.get("units", {})
        self.unit_size = int(units.get("size", 2))
        self.together: dict[str, list[tuple[int, int, str | None]]] = {}
        for t in units.get("together", []):
            sid = str(t["shift"])
            lo, hi = shift_window(f"{t['from']}-{t['to']}", self.shifts[sid][0])
            self.together.setdefault(sid, []).append((lo, hi, t.get("mode")))
        self.members = {str(m["id"]): m for m in teams.get("members", []) if isinstance(m, dict)}
        self.pool: dict[str, str] = {
            str(v["id"]): str(v["mode"]) for v in teams.get("vehicles", [])
        }

    def licences(self, member: str) -> set[str]:
        """Return the vehicle licences teams.toml gives a member."""
        return {str(x) for x in self.members.get(member, {}).get("licences", [])}
