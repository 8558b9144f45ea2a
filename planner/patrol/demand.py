"""Patrol dose: visits and minutes each key area needs in each shift, from risk and category.

How a dose is set, for one key area in one shift:

1. *Relative risk* ``ρ``: the area's risk summed over the shift's hours, divided by what an
   average area has in an average hour times the shift's hours. ``ρ = 1`` is an ordinary place
   at an ordinary time; a school at pick-up or a theft-prone alley at night is well above.
2. *Cameras*: ``ρ`` is multiplied by the camera factor ``1 - 0.4 × camera share``
   (``DoseParams.camera_discount``, default :data:`planner.patrol.camera_discount.MAX_DISCOUNT`) of
   :mod:`planner.patrol.camera_discount`.
3. *Visits*: ``floor(ρ / risk_per_visit)``; a hotspot gets at least one, a pinned one at least
   ``pinned_visits``. A school or kindergarten whose gate hours (drop-off, pick-up) fall in the
   shift gets exactly one gate post per window (``gate_stay_s`` at the gate, the whole stay
   inside the window), whatever its risk or cameras — on school days only (:func:`school_day`:
   not weekends, the July-August vacation or public holidays).
4. *Stay*: 10 minutes, 15 for a hotspot or ``ρ >= long_stay_ratio`` — hot-spot policing
   studies (Koper 1995, "Just enough police presence") found the deterrent effect of a stop
   grows up to about 10-15 minutes and fades after, so stays stay in that band.
5. *Cap against over-patrolling*: at most ``max_visits`` visits and at most
   ``max_share`` of the shift's time at one area; beyond that more presence buys little and
   takes patrols from elsewhere. Capped rows are marked.
6. *Spread*: two visits of an area start at least ``0.5 × shift / visits`` apart (gate visits:
   just over the longest gate window apart, so each window gets its own visit).
7. *Value* per visit for the routing core: ``round(100 × ρ)`` (at least 1).

What is a checkpoint at all, and when (PRACTICE.md, "Places" and "Spread"):

- *Targets*: shops, cafés, restaurants, pharmacies and bus stops are on the map but are no
  patrol targets (:attr:`geodata.categories.Category.target`; a planner's ``target`` column
  overrides it). Such a place needs nothing from risk alone: one visit as a hotspot, or what a
  planner asks (``target`` yes, a pin, ``windows``, ``dose_minutes``).
- *Opening hours*: a place closed all shift (its ``opening_hours``, else its category's
  default, :func:`open_windows`) needs nothing then; one open part of the shift gets start
  windows inside its hours (``open_s``), each visit beginning and ending while it is open.
  School gates keep their gate windows; a planner's ``windows`` hold whatever the hours say.
- *Every grid every day*: a grid none of whose targets needs a visit on a day gets one at its
  target of highest risk that day (``grids``).
- *Corners*: :func:`cap_corners` keeps the places within 400 m of one place to a quarter of a
  shift's visits, so a few busy corners do not take the whole shift.

A planner can set two things per key area in the district bundle (the optional ``key_areas``
columns, :mod:`geodata.windows`) and one per plan:

- ``windows`` replace the category's default windows, for any category: one visit per window
  that falls in the shift, its start inside the window, as for school gates (step 3). Windows
  of schools and kindergartens still hold on school days only, like the gate hours they
  replace; other categories' windows hold every day. A window crossing midnight belongs to
  the day it opens; a window across a change of shift is cut in two, and each shift wants a
  visit in its part.
- ``dose_minutes`` replaces steps 1-6 for the area: it needs that many minutes of presence in
  every shift (0: none, not even at its windows). The minutes are split into visits of about
  the stay steps 4 would choose (at most ``max_visits``, longer stays beyond that; one visit
  per window for a windowed area) of whole minutes (:func:`split_dose`); the over-patrolling
  cap of step 5 does not apply, as the planner asked for that presence. Each visit is worth
  ``100 × max(ρ, 1)`` per stay of the usual length, pro rata, so a minute there is worth at
  least a minute at an ordinary place.
- a *dose boost* (the check-in shortfall of the last plan, :func:`check_dose_boost`)
  multiplies the minutes an area needs in each of its dose rows by a factor from 1 to
  :data:`MAX_DOSE_BOOST`, in more visits (up to ``max_visits``) or longer stays, and its value
  per minute by the same factor, so the routes make up the shortfall before ordinary visits.
  An area with no dose in a shift gets none from a boost.

Rows come out as plain values the routing core turns into sites (:func:`dose_to_sites`).
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geodata.categories import CATEGORIES, GATE_CATEGORIES
from planner.exceptions import PlanInputError
from planner.hotspots.risk import HOURS_OF_WEEK
from planner.patrol.camera_discount import MAX_DISCOUNT, camera_discount

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.hotspots.risk import RiskTable
    from planner.routing.model import Site

logger = logging.getLogger("planner")


MAX_DOSE_BOOST = 3.0
"""Largest factor a dose boost may multiply an area's dose by."""

SCHOOL_HOLIDAY_MONTHS = (7, 8)
"""Months of the summer vacation, when school gates have no drop-off or pick-up (Chinese
primary and secondary schools break from early July to the end of August)."""


@functools.lru_cache(maxsize=4096)
def school_day(day: date) -> bool:
    """Return True when schools hold classes on ``day``.

    That is an official working day outside the July-August vacation: a weekday that is not a
    Chinese public holiday, or a weekend day made a working day to bridge a holiday (调休),
    as the ``holidays`` package's calendar has them.
    """
    import holidays

    if day.month in SCHOOL_HOLIDAY_MONTHS:
        return False
    calendar = holidays.country_holidays("CN", years=day.year)
    return bool(calendar.is_working_day(day))


DOSE_COLUMNS = (
    "area_id", "name", "category", "date", "shift_id", "risk", "relative_risk", "camera_share",
    "camera_factor", "visits", "dwell_s", "needed_minutes", "min_gap_s", "windows", "open_s",
    "value", "mandatory", "capped", "reason",
)  # fmt: skip
"""Columns of a dose table.

``windows`` are windows each of which wants a visit of its own (school gates, a planner's
windows, an event); ``open_s`` are the opening hours inside the shift when the area is open
only part of it, as start windows (every visit starts and ends while it is open); both in
seconds from the shift start, empty for none.
"""


@dataclass(frozen=True, slots=True)
class DoseShift:
    """A shift on a date: from ``start_minute`` to ``end_minute`` after local midnight.

    ``end_minute <= start_minute`` means the shift ends on the next day.
    """

    id: str
    date: date
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        for name in ("start_minute", "end_minute"):
            v = getattr(self, name)
            if not 0 <= v <= 1440:
                msg = f"Shift {self.id!r} has {name} {v}, outside 0..1440."
                raise PlanInputError(msg)

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        d = self.end_minute - self.start_minute
        return d if d > 0 else d + 1440

    @property
    def seconds(self) -> int:
        """Length in seconds."""
        return self.minutes * 60

    def slot_weights(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Return the share (0..1) of each hour-of-week slot the shift covers."""
        w = np.zeros(HOURS_OF_WEEK)
        start = self.date.weekday() * 1440 + self.start_minute
        for m in range(start, start + self.minutes):
            w[(m // 60) % HOURS_OF_WEEK] += 1.0 / 60.0
        return w


@dataclass(frozen=True, slots=True)
class DoseParams:
    """Settings of the dose rule; see the module docstring."""

    risk_per_visit: float = 1.0
    max_visits: int = 4
    max_share: float = 0.2
    short_stay_s: int = 600
    long_stay_s: int = 900
    long_stay_ratio: float = 2.0
    pinned_visits: int = 2
    spread: float = 0.5
    camera_discount: float = MAX_DISCOUNT
    gate_stay_s: int = 900

    def __post_init__(self) -> None:
        if not self.risk_per_visit > 0:
            msg = "risk_per_visit must be positive."
            raise PlanInputError(msg)
        if self.max_visits < 1 or not 0 < self.max_share <= 1:
            msg = "max_visits must be at least 1 and max_share in (0, 1]."
            raise PlanInputError(msg)
        if not 0 < self.short_stay_s <= self.long_stay_s:
            msg = "Stays must be positive, the short one no longer than the long one."
            raise PlanInputError(msg)


@functools.lru_cache(maxsize=64)
def category_windows(category: str) -> tuple[tuple[int, int], ...]:
    """Return a category's default gate windows, minutes from local midnight (none for most)."""
    from geodata.windows import parse_windows

    known = CATEGORIES.get(category)
    return parse_windows(known.gate_windows) if known is not None else ()


def area_windows(
    category: str, windows: Sequence[tuple[int, int]], shift: DoseShift
) -> list[tuple[int, int]]:
    """Return an area's visit windows inside a shift, in seconds from the shift start.

    Parameters
    ----------
    category
        The area's category.
    windows
        The area's own windows, ``(start, end)`` minutes from local midnight as
        :func:`geodata.windows.parse_windows` returns them (``end`` past 1440 for a window that
        crosses midnight); empty for the category's default gate windows
        (:attr:`geodata.categories.Category.gate_windows`, none for most categories).
    shift
        The shift.

    Returns
    -------
    list of (int, int)
        The windows clipped to the shift, sorted; schools' and kindergartens' windows only on
        school days (:func:`school_day`), other categories' every day.
    """
    if not windows:
        windows = category_windows(category)
    out = []
    for k in (-1, 0, 1):
        if category in GATE_CATEGORIES and not school_day(shift.date + timedelta(days=k)):
            continue
        for a, b in windows:
            lo = max(k * 1440 + int(a) - shift.start_minute, 0)
            hi = min(k * 1440 + int(b) - shift.start_minute, shift.minutes)
            if hi > lo:
                out.append((lo * 60, hi * 60))
    return sorted(set(out))


def open_windows(
    hours: str | None, category: str, shift: DoseShift, *, country: str | None = None
) -> list[tuple[int, int]] | None:
    """Return when an area is open inside a shift, in seconds from the shift start.

    Parameters
    ----------
    hours
        The area's ``opening_hours`` cell (blank or unreadable: the category's default,
        :func:`geodata.hours.open_intervals`).
    category
        The area's category.
    shift
        The shift.
    country
        The district's country, for public holidays (``PH off``).

    Returns
    -------
    list of (int, int) or None
        The open intervals clipped to the shift, merged and sorted; ``None`` when the area is
        open the whole shift, ``[]`` when it is closed all of it.
    """
    from geodata.hours import open_intervals

    lo, hi = shift.start_minute, shift.start_minute + shift.minutes
    parts: list[tuple[int, int]] = []
    for k in (0, 1):
        if hi <= k * 1440:  # a shift that ends by midnight needs no next day
            continue
        day = shift.date + timedelta(days=k)
        for a, b in open_intervals(hours, category, day, country=country):
            a, b = max(a + k * 1440, lo), min(b + k * 1440, hi)
            if b > a:
                parts.append((a, b))
    merged: list[tuple[int, int]] = []
    for a, b in sorted(parts):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    if merged == [(lo, hi)]:
        return None
    return [((a - lo) * 60, (b - lo) * 60) for a, b in merged]


def area_targets(areas: pd.DataFrame) -> list[bool]:
    """Return per area (in row order) whether it is a patrol target.

    The ``target`` column (blank, ``yes`` or ``no``) overrides the category's default
    (:func:`geodata.categories.is_target`): shops, cafés and restaurants are on the map but are
    no targets unless a planner makes them one (or risk does: see :func:`compute_dose`).

    Raises
    ------
    PlanInputError
        For a ``target`` cell that is neither blank nor yes or no, naming the area.
    """
    from geodata.categories import is_target
    from geodata.windows import AreaValueError

    ids = areas["id"].astype(str).tolist()
    cells = areas["target"].tolist() if "target" in areas.columns else [None] * len(ids)
    out = []
    for aid, cat, cell in zip(ids, areas["category"].astype(str), cells, strict=True):
        try:
            out.append(is_target(cat, cell))
        except AreaValueError as exc:
            msg = f"Key area {aid!r} has {exc.column} {exc.value!r}, but {exc.reason}."
            raise PlanInputError(msg) from None
    return out


def area_overrides(
    areas: pd.DataFrame,
) -> tuple[list[tuple[tuple[int, int], ...]], list[float | None]]:
    """Read the optional ``windows`` and ``dose_minutes`` columns of the key areas.

    Returns
    -------
    tuple
        Per area (in row order) its windows (``()`` for the category's default) and its dose
        in minutes (None for the dose from risk).

    Raises
    ------
    PlanInputError
        For a value :mod:`geodata.windows` refuses, naming the area.
    """
    from geodata.windows import AreaValueError, parse_dose_minutes, parse_windows

    ids = areas["id"].astype(str).tolist()
    n = len(ids)
    texts = areas["windows"].tolist() if "windows" in areas.columns else [None] * n
    doses = areas["dose_minutes"].tolist() if "dose_minutes" in areas.columns else [None] * n
    windows, minutes = [], []
    for aid, text, dose in zip(ids, texts, doses, strict=True):
        try:
            windows.append(parse_windows(text))
            minutes.append(parse_dose_minutes(dose))
        except AreaValueError as exc:
            msg = f"Key area {aid!r} has {exc.column} {exc.value!r}, but {exc.reason}."
            raise PlanInputError(msg) from None
    return windows, minutes


def check_dose_boost(
    boost: Mapping[str, float] | None, area_ids: Sequence[str]
) -> dict[str, float]:
    """Check a dose boost (key area id -> factor) against the district's key areas.

    Returns
    -------
    dict
        The boost as plain ``{str: float}``; factors of exactly 1 are kept.

    Raises
    ------
    PlanInputError
        For an id that is no key area of the district, or a factor that is not a number from
        1 to :data:`MAX_DOSE_BOOST`.
    """
    if boost is None:
        return {}
    if not hasattr(boost, "items"):
        msg = f"The dose boost must map key area ids to factors, not {type(boost).__name__}."
        raise PlanInputError(msg)
    known = set(area_ids)
    out: dict[str, float] = {}
    for aid, factor in boost.items():
        if str(aid) not in known:
            msg = f"The dose boost names key area {aid!r}, which the district does not have."
            raise PlanInputError(msg)
        try:
            value = math.nan if isinstance(factor, bool) else float(factor)
        except (TypeError, ValueError):
            value = math.nan
        if not (math.isfinite(value) and 1.0 <= value <= MAX_DOSE_BOOST):
            msg = (
                f"The dose boost of key area {aid!r} is {factor!r}; it must be a number from 1 "
                f"to {MAX_DOSE_BOOST:g}."
            )
            raise PlanInputError(msg)
        out[str(aid)] = value
    return out


def split_dose(want_s: float, stay_s: int, most: int, windows: int = 0) -> tuple[int, int]:
    """Split a needed presence into visits and a stay of whole minutes.

    Stays are whole minutes, so the plan's dose rows (visits and minutes) give every stay back
    exactly; they are rounded up, so the need may grow by less than a minute per visit.

    Parameters
    ----------
    want_s
        Seconds of presence needed.
    stay_s
        The usual stay: visits are about this long.
    most
        Visits at most; longer stays beyond that.
    windows
        Number of windows of the area in the shift: one visit each when there are any.

    Returns
    -------
    tuple of int
        ``(visits, dwell_s)``. Of the visit counts next to ``want_s / stay_s`` the one that
        rounds up least is taken, e.g. 50 minutes of 15-minute stays: two of 25 minutes.
    """

    def stay(v: int) -> int:
        return 60 * math.ceil(want_s / v / 60 - 1e-9)

    if windows:
        return windows, stay(windows)
    near = min(max(1, math.floor(want_s / stay_s + 0.5)), most)
    options = [v for v in (near, near - 1, near + 1) if 1 <= v <= most]
    visits = min(options, key=lambda v: (v * stay(v) - want_s, abs(v - near)))
    return visits, stay(visits)


def compute_dose(
    risk: RiskTable,
    areas: pd.DataFrame,
    shifts: Sequence[DoseShift],
    *,
    camera_share: Mapping[str, float] | pd.Series | None = None,
    params: DoseParams | None = None,
    dose_boost: Mapping[str, float] | None = None,
    surge: Mapping[date, Mapping[str, float]] | None = None,
    country: str | None = None,
    grids: Sequence[str | None] | None = None,
) -> pd.DataFrame:
    """Return the dose table: one row per key area and shift that needs at least one visit.

    Parameters
    ----------
    risk
        Key-area risk (``RiskResult.areas``).
    areas
        Key areas with ``id``, ``name``, ``category`` and optionally ``windows`` and
        ``dose_minutes`` (see the module docstring).
    shifts
        The shifts to dose.
    camera_share
        Area id -> share of its frontage in camera view (0..1); missing = 0.
    params
        Dose settings.
    dose_boost
        Key area id -> factor from 1 to :data:`MAX_DOSE_BOOST` by which its needed dose is
        multiplied (:func:`check_dose_boost`).
    surge
        Date -> key area id -> factor: on a surge date (a holiday, a sensitive date, an
        event) the shifts starting that day need that many times more at the area (its
        relative risk, or its set ``dose_minutes``, is multiplied).
    country
        The district's country (its manifest's ``country``), for the public holidays of
        opening hours (``PH off``).
    grids
        Per area (in row order) the id of the grid it lies in, None outside every grid: on
        each day a grid whose targets need no visit, its target of highest risk in a shift it
        is open gets one.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DOSE_COLUMNS`; ``windows`` holds tuples of ``(open_s, close_s)`` from
        the shift start (empty = any time).

    Raises
    ------
    PlanInputError
        When an area has no risk row, a camera share is out of range, a ``windows`` or
        ``dose_minutes`` value is bad or longer than a shift, or the dose boost names an
        unknown area or a factor out of range.
    """
    params = params or DoseParams()
    ids = areas["id"].astype(str).tolist()
    boost = check_dose_boost(dose_boost, ids)
    custom, set_minutes = area_overrides(areas)
    targets = area_targets(areas)
    hours = areas["opening_hours"].tolist() if "opening_hours" in areas.columns else None
    if not len(shifts):
        return pd.DataFrame(columns=list(DOSE_COLUMNS))
    missing = [i for i in ids if i not in risk.hourly.index]
    if missing:
        msg = f"Key area {missing[0]!r} has no risk row."
        raise PlanInputError(msg)
    shares = pd.Series(camera_share, dtype=float) if camera_share is not None else pd.Series()
    bad = shares[(shares < 0) | (shares > 1) | shares.isna()]
    if len(bad):
        msg = f"Camera share of area {bad.index[0]!r} is {bad.iloc[0]}, outside 0..1."
        raise PlanInputError(msg)
    hourly = risk.hourly.loc[ids].to_numpy()
    area_share = shares.reindex(ids).fillna(0.0) if len(shares) else pd.Series(0.0, index=ids)
    factors = camera_discount(area_share, max_discount=params.camera_discount)
    per_hour = float(risk.hourly.to_numpy().mean()) or 1.0
    info = risk.info.loc[ids]
    cats = areas["category"].astype(str).tolist()
    names = areas["name"].astype(str).tolist() if "name" in areas.columns else [""] * len(ids)
    grid_of: list[str | None] = list(grids) if grids is not None else [None] * len(ids)
    where = {aid: i for i, aid in enumerate(ids)}
    forced: set[tuple[int, date, str]] = set()
    # Twice at most: a day on which a grid has no dose row gets one visit at its target of
    # highest risk that day (PRACTICE.md: every grid sees a patrol every day).
    for _attempt in range(2):
        spare: dict[tuple[date, str], tuple[float, int, str]] = {}
        rows: list[dict[str, Any]] = []
        for shift in shifts:
            weights = shift.slot_weights()
            r = hourly @ weights
            rho_raw = r / (per_hour * shift.minutes / 60.0)
            surged = (surge or {}).get(shift.date, {})
            for i, aid in enumerate(ids):
                share, factor = float(area_share.iloc[i]), float(factors.iloc[i])
                more = float(surged.get(aid, 1.0))
                rho = float(rho_raw[i] * factor * more)
                hot, pinned = bool(info["hotspot"].iloc[i]), bool(info["pinned"].iloc[i])
                minutes = set_minutes[i]
                if not (targets[i] or hot or pinned or custom[i] or minutes is not None):
                    continue  # on the map, not a target: no risk, no planner made it one
                opened: list[tuple[int, int]] | None = None
                if not custom[i]:  # a planner's own windows hold whatever the hours say
                    text = hours[i] if hours is not None else None
                    opened = open_windows(
                        text if isinstance(text, str) else None, cats[i], shift, country=country
                    )
                    if opened == []:
                        continue  # closed all shift: not a checkpoint
                windows = area_windows(cats[i], custom[i], shift)
                if windows and opened is not None and cats[i] not in GATE_CATEGORIES:
                    # category windows of a place with hours: only those it is open in
                    windows = [
                        (a, b) for a, b in windows if any(x <= a and b <= y for x, y in opened)
                    ]
                stay = params.long_stay_s if (hot or rho >= params.long_stay_ratio) else None
                stay = stay or params.short_stay_s
                if windows and cats[i] in GATE_CATEGORIES:
                    # A gate post: the unit stands at the gate, the whole stay inside the window.
                    stay = params.gate_stay_s
                    windows = [(a, max(a, b - stay)) for a, b in windows]
                reasons = [f"surge ×{more:g}"] if more != 1.0 else []
                capped = False
                if minutes is not None:
                    if minutes > shift.minutes:
                        msg = (
                            f"Key area {aid!r} needs dose_minutes {minutes:g}, more than the "
                            f"{shift.minutes} minutes of shift {shift.id}."
                        )
                        raise PlanInputError(msg)
                    minutes = min(minutes * more, float(shift.minutes))
                    if minutes == 0:
                        continue
                    reasons.append(f"dose set to {minutes:g} min")
                    # An explicit dose is split afresh below; no risk visits, no cap.
                    visits, dwell, total = 0, stay, minutes * 60.0
                    per_visit = 100.0 * max(rho, 1.0)
                    mandatory = pinned
                    if windows:
                        reasons.append("windows set by planner" if custom[i] else "gate hours")
                else:
                    visits = math.floor(rho / params.risk_per_visit) if targets[i] else 0
                    if visits:
                        reasons.append(f"risk {rho:.1f}× average")
                    if (i, shift.date, shift.id) in forced and visits < 1:
                        visits = 1
                        reasons.append("the grid's daily visit")
                    if hot and visits < 1:
                        visits = 1
                        reasons.append("hotspot")
                    if pinned and visits < params.pinned_visits:
                        visits = params.pinned_visits
                        reasons.append("pinned by planner")
                    mandatory = pinned
                    if windows:
                        # One visit per window: the site's windows bind every visit, so more
                        # visits than windows could not all start inside them.
                        if visits > len(windows):
                            folded = visits - len(windows)
                            kind = "window" if custom[i] else "gate"
                            reasons.append(f"{folded} risk visits folded into {kind} visits")
                        visits = len(windows)
                        reasons.append("windows set by planner" if custom[i] else "gate hours")
                    if visits < 1:
                        grid = grid_of[i]
                        if grid is not None and targets[i]:
                            key = (shift.date, grid)
                            if key not in spare or rho > spare[key][0]:
                                spare[key] = (rho, i, shift.id)
                        continue
                    dwell = stay
                    cap = min(params.max_visits, int(params.max_share * shift.seconds // dwell))
                    cap = max(cap, len(windows), 1)
                    capped = visits > cap
                    visits = min(visits, cap)
                    total = float(visits * dwell)
                    per_visit = float(max(1, round(100 * rho)))
                value = max(1, round(100 * rho))
                boosted = boost.get(aid, 1.0)
                if minutes is not None or boosted != 1.0:
                    if boosted != 1.0:
                        reasons.append(f"shortfall boost ×{boosted:g}")
                    want = total * boosted
                    if want > shift.seconds:
                        want, capped = float(shift.seconds), True
                    most = max(params.max_visits, visits)
                    visits, dwell = split_dose(want, stay, most, len(windows))
                    value = max(1, round(per_visit * boosted * dwell / stay))
                span, open_s = shift.seconds, []
                if not windows and opened is not None:
                    # Open part of the shift only: each visit starts and ends while it is open.
                    open_s = [(a, b - dwell) for a, b in opened if b - a >= dwell]
                    if not open_s:
                        continue
                    span = sum(b - a for a, b in opened)
                    reasons.append("opening hours")
                    gap = int(params.spread * span / visits) if visits > 1 else 0
                elif windows and visits > 1:
                    # Longer than any window, so two visits never share one; short enough that
                    # consecutive windows can hold consecutive visits.
                    longest = max(b - a for a, b in windows)
                    reach = min(b2 - a1 for (a1, _), (_, b2) in itertools.pairwise(windows))
                    gap = min(longest + 1, reach)
                else:
                    gap = int(params.spread * span / visits) if visits > 1 else 0
                rows.append(
                    {
                        "area_id": aid,
                        "name": names[i],
                        "category": cats[i],
                        "date": shift.date.isoformat(),
                        "shift_id": shift.id,
                        "risk": float(r[i]),
                        "relative_risk": rho,
                        "camera_share": share,
                        "camera_factor": factor,
                        "visits": int(visits),
                        "dwell_s": int(dwell),
                        "needed_minutes": int(visits * dwell // 60),
                        "min_gap_s": gap,
                        "windows": tuple(windows),
                        "open_s": tuple(open_s),
                        "value": int(value),
                        "mandatory": bool(mandatory),
                        "capped": bool(capped),
                        "reason": "; ".join(reasons),
                    }
                )
        have = {(date.fromisoformat(row["date"]), grid_of[where[row["area_id"]]]) for row in rows}
        more_forced = {
            (i, d, sid) for (d, g), (_rho, i, sid) in spare.items() if (d, g) not in have
        }
        if not more_forced - forced:
            break
        forced |= more_forced
    out = pd.DataFrame(rows, columns=list(DOSE_COLUMNS))
    logger.info("dose: %d rows over %d shifts", len(out), len(shifts))
    return out


CORNER_RADIUS_M = 400.0
"""Radius of a corner: the ordinary visits within it of one place are capped together."""

CORNER_SHARE = 0.25
"""Share of a shift's visits the places within :data:`CORNER_RADIUS_M` of one place may need."""


def cap_corners(
    dose: pd.DataFrame,
    xy: Mapping[str, tuple[float, float]],
    *,
    radius_m: float = CORNER_RADIUS_M,
    share: float = CORNER_SHARE,
    grids: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Cap the visits a few busy corners need, so that patrol goes across the district.

    PRACTICE.md: a few busy corners do not take the whole shift. In each shift, the ordinary
    rows (no windows, not mandatory, not a set dose) are taken by value, highest first; each
    keeps the visits that leave every disc of ``radius_m`` around a place of the shift (its
    own included) with at most ``share`` of the shift's visits; a row left with none is dropped
    and one left with fewer says so in ``reason``. Gates, windows, set doses and pinned places
    count towards the corners but are never cut.

    Parameters
    ----------
    dose
        Dose rows (:data:`DOSE_COLUMNS`).
    xy
        Area id -> position in metres (a projected CRS); rows of other ids are not capped.
    radius_m, share
        The corner's radius and its share of the shift's visits.
    grids
        Optional area id -> its grid: a grid whose every row of a day the cap would drop
        keeps one visit at its most valuable one (every grid sees a patrol every day).

    Returns
    -------
    pandas.DataFrame
        The rows, capped.
    """
    if not len(dose):
        return dose
    out = []
    for _key, rows in dose.groupby(["date", "shift_id"], sort=False):
        rows = rows.copy()
        limit = max(1.0, share * float(rows["visits"].sum()))
        fixed = [
            bool(len(w)) or bool(m) or "dose set" in str(why) or str(a) not in xy
            for a, w, m, why in zip(
                rows["area_id"], rows["windows"], rows["mandatory"], rows["reason"], strict=True
            )
        ]
        pos = np.array([xy.get(str(a), (np.nan, np.nan)) for a in rows["area_id"]], dtype=float)
        near = np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])
        near = np.nan_to_num(near, nan=np.inf) <= radius_m
        granted = np.where(fixed, rows["visits"].to_numpy(dtype=float), 0.0)
        visits = rows["visits"].to_numpy().copy()
        order = sorted(
            (k for k in range(len(rows)) if not fixed[k]),
            key=lambda k: (-int(rows["value"].iloc[k]), str(rows["area_id"].iloc[k])),
        )
        for k in order:
            discs = np.flatnonzero(near[k])  # the corners this place is in
            room = min(limit - float(granted[near[d]].sum()) for d in discs)
            keep = int(max(0, min(visits[k], math.floor(room + 1e-9))))
            granted[k] = keep
            visits[k] = keep
        cut = visits < rows["visits"].to_numpy()
        reasons = [
            f"{why}; corner cap" if c else str(why)
            for why, c in zip(rows["reason"], cut, strict=True)
        ]
        rows["needed_minutes"] = (visits * rows["dwell_s"].to_numpy()) // 60
        rows["visits"] = visits
        rows["reason"] = reasons
        gaps = rows["min_gap_s"].to_numpy()
        rows["min_gap_s"] = np.where(visits <= 1, 0, gaps)
        out.append(rows)
    capped = pd.concat(out, ignore_index=True)
    if grids:
        capped = _keep_grid_visits(capped, grids)
    return capped[capped["visits"] > 0].reset_index(drop=True)


def _keep_grid_visits(rows: pd.DataFrame, grids: Mapping[str, str]) -> pd.DataFrame:
    """Give one visit back to each grid and day the corner cap left with none."""
    grid = [grids.get(str(a)) for a in rows["area_id"]]
    rows = rows.assign(_grid=grid)
    for (_day, _g), part in rows[rows["_grid"].notna()].groupby(["date", "_grid"]):
        if int(part["visits"].sum()) > 0:
            continue
        best = part.sort_values(["value", "area_id"], ascending=[False, True]).index[0]
        rows.loc[best, "visits"] = 1
        rows.loc[best, "needed_minutes"] = int(rows.loc[best, "dwell_s"]) // 60
        rows.loc[best, "reason"] = f"{rows.loc[best, 'reason']}; the grid's daily visit"
    return rows.drop(columns="_grid")


def dose_to_sites(dose: pd.DataFrame, nodes: Mapping[str, int]) -> list[Site]:
    """Turn dose rows of one shift into routing sites (id ``"<area id>"``).

    Parameters
    ----------
    dose
        Rows of :func:`compute_dose` for one shift.
    nodes
        Area id -> matrix index of the area's node.

    Returns
    -------
    list of Site
        One site per row: ``visits``, ``min_gap``, ``service`` (dwell), ``windows`` (the
        row's ``windows``, else its opening hours ``open_s``), ``value`` per visit and
        ``mandatory``.
    """
    from planner.routing.model import Site

    if dose["shift_id"].nunique() > 1 or dose["date"].nunique() > 1:
        msg = "Dose rows for routing must belong to one shift on one date."
        raise PlanInputError(msg)
    sites = []
    for row in dose.itertuples(index=False):
        if row.area_id not in nodes:
            msg = f"Key area {row.area_id!r} has no node in the travel-time matrix."
            raise PlanInputError(msg)
        sites.append(
            Site(
                id=str(row.area_id),
                node=int(nodes[row.area_id]),
                value=int(row.value),
                service=int(row.dwell_s),
                windows=tuple((int(a), int(b)) for a, b in (row.windows or row.open_s)),
                mandatory=bool(row.mandatory),
                visits=int(row.visits),
                min_gap=int(row.min_gap_s),
            )
        )
    return sites


def standard_shifts(day: date) -> list[DoseShift]:
    """Return the default day (08:00-20:00) and night (20:00-08:00) shifts starting on ``day``."""
    return [DoseShift("D", day, 8 * 60, 20 * 60), DoseShift("N", day, 20 * 60, 8 * 60)]


def shifts_for_days(first: date, days: int) -> list[DoseShift]:
    """Return :func:`standard_shifts` for ``days`` days from ``first``."""
    return [s for k in range(days) for s in standard_shifts(first + timedelta(days=k))]


ALLEY_CATEGORY = "alley"
"""Category of a dose row that asks for a back alley run to be covered end to end."""

HOTSPOT_ALLEY_NIGHT_VISITS = 3
"""Times the district's named hotspot alley is covered in a night shift (at least two)."""


def street_dose(
    risk: RiskTable,
    runs: Sequence[Any],
    shifts: Sequence[DoseShift],
    *,
    night: Mapping[str, bool],
) -> pd.DataFrame:
    """Return the dose rows of the back alleys: each run covered end to end in each shift.

    A run's relative risk ``ρ`` is its streets' risk over the shift's hours divided by an
    average run's in as many hours (longer and riskier runs rank higher; the alley pattern of
    :mod:`planner.hotspots.risk` makes nights riskier). Every run asks for one cover per shift,
    worth ``100 × ρ``; the named hotspot alley asks for :data:`HOTSPOT_ALLEY_NIGHT_VISITS`
    covers in a night shift, hours apart, and is worth more than any other run.

    Parameters
    ----------
    risk
        Street risk (``RiskResult.streets``).
    runs
        The alley runs (:func:`planner.patrol.streets.alley_runs`).
    shifts
        The shifts to dose.
    night
        Shift id -> whether it is a night shift.

    Returns
    -------
    pandas.DataFrame
        Rows with the columns of :func:`compute_dose`, ``area_id`` the run's id and
        ``category`` :data:`ALLEY_CATEGORY`; ``dwell_s`` and ``needed_minutes`` are 0 (no stay
        is asked for: the run's length takes the time, and the plan's alley stop records that
        ride as its dwell).
    """
    if not runs or not len(shifts):
        return pd.DataFrame(columns=list(DOSE_COLUMNS))
    hourly = risk.hourly.reindex([s for r in runs for s in r.streets]).fillna(0.0)
    per_run = np.vstack(
        [hourly.loc[list(r.streets)].to_numpy().sum(axis=0) for r in runs]
    )  # runs x 168
    mean_hour = float(per_run.mean()) or 1.0
    rows = []
    for shift in shifts:
        weights = shift.slot_weights()
        r = per_run @ weights
        rho = r / (mean_hour * shift.minutes / 60.0)
        top = max(float(rho.max()), 1.0)
        for k, run in enumerate(runs):
            hot = bool(run.hotspot)
            visits = HOTSPOT_ALLEY_NIGHT_VISITS if hot and night.get(shift.id, False) else 1
            value = max(1, round(100 * float(rho[k])))
            reason = f"risk {rho[k]:.1f}× an average alley"
            if hot:
                value = max(value, round(200 * top))
                reason += "; the district's hotspot alley"
            gap = int(0.5 * shift.seconds / visits) if visits > 1 else 0
            rows.append(
                {
                    "area_id": run.id,
                    "name": run.name,
                    "category": ALLEY_CATEGORY,
                    "date": shift.date.isoformat(),
                    "shift_id": shift.id,
                    "risk": float(r[k]),
                    "relative_risk": float(rho[k]),
                    "camera_share": 0.0,
                    "camera_factor": 1.0,
                    "visits": visits,
                    "dwell_s": 0,
                    "needed_minutes": 0,
                    "min_gap_s": gap,
                    "windows": (),
                    "open_s": (),
                    "value": int(value),
                    "mandatory": False,
                    "capped": False,
                    "reason": reason,
                }
            )
    return pd.DataFrame(rows, columns=list(DOSE_COLUMNS))


def school_gate_windows(
    areas: pd.DataFrame, days: Sequence[date]
) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Return ``(area id, date)`` -> the gate windows of each school and kindergarten that day.

    Windows are seconds from local midnight: the area's own ``windows`` or its category's
    gate windows, on school days only (:func:`school_day`); an area with ``dose_minutes`` 0
    needs none.
    """
    custom, minutes = area_overrides(areas)
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    cats = areas["category"].astype(str).tolist()
    for i, aid in enumerate(areas["id"].astype(str)):
        if cats[i] not in GATE_CATEGORIES or minutes[i] == 0:
            continue
        windows = custom[i] or category_windows(cats[i])
        for day in days:
            if windows and school_day(day):
                out[(aid, day.isoformat())] = [(a * 60, b * 60) for a, b in windows]
    return out
