"""Patrol dose: visits and minutes each key area needs in each shift, from risk and category.

How a dose is set, for one key area in one shift:

1. *Relative risk* ``ρ``: the area's risk summed over the shift's hours, divided by what an
   average area has in an average hour times the shift's hours. ``ρ = 1`` is an ordinary place
   at an ordinary time; a school at pick-up or a theft-prone alley at night is well above.
2. *Cameras*: ``ρ`` is multiplied by the camera factor ``1 - 0.4 × camera share``
   (``DoseParams.camera_discount``, default :data:`planner.camera_discount.MAX_DISCOUNT`) of
   :mod:`planner.camera_discount`.
3. *Visits*: ``floor(ρ / risk_per_visit)``; a hotspot gets at least one, a pinned one at least
   ``pinned_visits``. A school or kindergarten whose gate hours (drop-off, pick-up) fall in the
   shift gets exactly one *mandatory* visit per gate window, with the visit's start inside the
   window, whatever its risk or cameras — on school days only (:func:`school_day`: not weekends, the
   July-August vacation or public holidays).
4. *Stay*: 10 minutes, 15 for a hotspot or ``ρ >= long_stay_ratio`` — hot-spot policing
   studies (Koper 1995, "Just enough police presence") found the deterrent effect of a stop
   grows up to about 10-15 minutes and fades after, so stays stay in that band.
5. *Cap against over-patrolling*: at most ``max_visits`` visits and at most
   ``max_share`` of the shift's time at one area; beyond that more presence buys little and
   takes patrols from elsewhere. Capped rows are marked.
6. *Spread*: two visits of an area start at least ``0.5 × shift / visits`` apart (gate visits:
   just over the longest gate window apart, so each window gets its own visit).
7. *Value* per visit for the routing core: ``round(100 × ρ)`` (at least 1).

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

from planner.camera_discount import MAX_DISCOUNT, camera_discount
from planner.exceptions import ProblemError
from planner.risk import CATEGORY_PATTERNS, HOURS_OF_WEEK

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.risk import RiskTable
    from planner.routing_model import Site

logger = logging.getLogger("planner")

GATE_CATEGORIES = ("school", "kindergarten")
"""Categories whose gate hours make visits mandatory in those windows."""

GATE_FACTOR = 2.0
"""A category pattern with at least this factor marks a gate window (drop-off, pick-up)."""

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
    "camera_factor", "visits", "dwell_s", "needed_minutes", "min_gap_s", "windows", "value",
    "mandatory", "capped", "reason",
)  # fmt: skip
"""Columns of a dose table."""


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
                raise ProblemError(msg)

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

    def __post_init__(self) -> None:
        if not self.risk_per_visit > 0:
            msg = "risk_per_visit must be positive."
            raise ProblemError(msg)
        if self.max_visits < 1 or not 0 < self.max_share <= 1:
            msg = "max_visits must be at least 1 and max_share in (0, 1]."
            raise ProblemError(msg)
        if not 0 < self.short_stay_s <= self.long_stay_s:
            msg = "Stays must be positive, the short one no longer than the long one."
            raise ProblemError(msg)


def gate_windows(category: str, shift: DoseShift) -> list[tuple[int, int]]:
    """Return the gate windows (seconds from the shift start) of a category inside a shift."""
    if category not in GATE_CATEGORIES:
        return []
    out = []
    day0 = shift.date.weekday()
    term = {k: school_day(shift.date + timedelta(days=k)) for k in range(7)}
    start = shift.start_minute
    for p in CATEGORY_PATTERNS.get(category, ()):
        if p.factor < GATE_FACTOR:
            continue
        lo_h, hi_h = p.hours
        for d in p.days:
            if not term[(d - day0) % 7]:
                continue
            # Gate windows never wrap past midnight.
            lo = (d - day0) % 7 * 1440 + int(lo_h * 60) - start
            hi = (d - day0) % 7 * 1440 + int(hi_h * 60) - start
            for off in (0, -7 * 1440):
                a, b = max(lo + off, 0), min(hi + off, shift.minutes)
                if b > a:
                    out.append((a * 60, b * 60))
    return sorted(set(out))


def compute_dose(
    risk: RiskTable,
    areas: pd.DataFrame,
    shifts: Sequence[DoseShift],
    *,
    camera_share: Mapping[str, float] | pd.Series | None = None,
    params: DoseParams | None = None,
) -> pd.DataFrame:
    """Return the dose table: one row per key area and shift that needs at least one visit.

    Parameters
    ----------
    risk
        Key-area risk (``RiskResult.areas``).
    areas
        Key areas with ``id``, ``name``, ``category``.
    shifts
        The shifts to dose.
    camera_share
        Area id -> share of its frontage in camera view (0..1); missing = 0.
    params
        Dose settings.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DOSE_COLUMNS`; ``windows`` holds tuples of ``(open_s, close_s)`` from
        the shift start (empty = any time).

    Raises
    ------
    ProblemError
        When an area has no risk row or a camera share is out of range.
    """
    params = params or DoseParams()
    if not len(shifts):
        return pd.DataFrame(columns=list(DOSE_COLUMNS))
    ids = areas["id"].astype(str).tolist()
    missing = [i for i in ids if i not in risk.hourly.index]
    if missing:
        msg = f"Key area {missing[0]!r} has no risk row."
        raise ProblemError(msg)
    shares = pd.Series(camera_share, dtype=float) if camera_share is not None else pd.Series()
    bad = shares[(shares < 0) | (shares > 1) | shares.isna()]
    if len(bad):
        msg = f"Camera share of area {bad.index[0]!r} is {bad.iloc[0]}, outside 0..1."
        raise ProblemError(msg)
    hourly = risk.hourly.loc[ids].to_numpy()
    area_share = shares.reindex(ids).fillna(0.0) if len(shares) else pd.Series(0.0, index=ids)
    factors = camera_discount(area_share, max_discount=params.camera_discount)
    per_hour = float(risk.hourly.to_numpy().mean()) or 1.0
    info = risk.info.loc[ids]
    cats = areas["category"].astype(str).tolist()
    names = areas["name"].astype(str).tolist() if "name" in areas.columns else [""] * len(ids)
    rows = []
    for shift in shifts:
        weights = shift.slot_weights()
        r = hourly @ weights
        rho_raw = r / (per_hour * shift.minutes / 60.0)
        for i, aid in enumerate(ids):
            share, factor = float(area_share.iloc[i]), float(factors.iloc[i])
            rho = float(rho_raw[i] * factor)
            hot, pinned = bool(info["hotspot"].iloc[i]), bool(info["pinned"].iloc[i])
            visits = math.floor(rho / params.risk_per_visit)
            reasons = []
            if visits:
                reasons.append(f"risk {rho:.1f}× average")
            if hot and visits < 1:
                visits = 1
                reasons.append("hotspot")
            if pinned and visits < params.pinned_visits:
                visits = params.pinned_visits
                reasons.append("pinned by planner")
            windows = gate_windows(cats[i], shift)
            mandatory = pinned
            if windows:
                # One mandatory visit per gate window: the site's windows bind every visit,
                # so more visits than windows could not all start inside them.
                mandatory = True
                if visits > len(windows):
                    reasons.append(f"{visits - len(windows)} risk visits folded into gate visits")
                visits = len(windows)
                reasons.append("gate hours")
            if visits < 1:
                continue
            dwell = params.long_stay_s if (hot or rho >= params.long_stay_ratio) else None
            dwell = dwell or params.short_stay_s
            cap = min(params.max_visits, int(params.max_share * shift.seconds // dwell))
            cap = max(cap, len(windows), 1)
            capped = visits > cap
            visits = min(visits, cap)
            gap = int(params.spread * shift.seconds / visits) if visits > 1 else 0
            if windows and visits > 1:
                # Longer than any window, so two visits never share one; short enough that
                # consecutive windows can hold consecutive visits.
                longest = max(b - a for a, b in windows)
                reach = min(b2 - a1 for (a1, _), (_, b2) in itertools.pairwise(windows))
                gap = min(longest + 1, reach)
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
                    "value": max(1, round(100 * rho)),
                    "mandatory": bool(mandatory),
                    "capped": bool(capped),
                    "reason": "; ".join(reasons),
                }
            )
    out = pd.DataFrame(rows, columns=list(DOSE_COLUMNS))
    logger.info("dose: %d rows over %d shifts", len(out), len(shifts))
    return out


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
        One site per row: ``visits``, ``min_gap``, ``service`` (dwell), ``windows``,
        ``value`` per visit and ``mandatory``.
    """
    from planner.routing_model import Site

    if dose["shift_id"].nunique() > 1 or dose["date"].nunique() > 1:
        msg = "Dose rows for routing must belong to one shift on one date."
        raise ProblemError(msg)
    sites = []
    for row in dose.itertuples(index=False):
        if row.area_id not in nodes:
            msg = f"Key area {row.area_id!r} has no node in the travel-time matrix."
            raise ProblemError(msg)
        sites.append(
            Site(
                id=str(row.area_id),
                node=int(nodes[row.area_id]),
                value=int(row.value),
                service=int(row.dwell_s),
                windows=tuple((int(a), int(b)) for a, b in row.windows),
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
