"""Risk per key area, street segment and grid for each of the 168 hours of the week."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from planner.exceptions import PlanInputError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from numpy.typing import NDArray
    from pyproj import CRS

logger = logging.getLogger("planner")

HOURS_OF_WEEK = 168
"""Hour-of-week slots; slot 0 is Monday 00:00-00:59 local time, slot 167 Sunday 23:00."""

CATEGORY_WEIGHTS: dict[str, float] = {
    "theft": 1.0,
    "burglary": 1.2,
    "robbery": 1.5,
    "dispute": 0.6,
    "traffic": 0.3,
    "other": 0.5,
}
"""How much one incident of each category counts for patrol risk.

Street crime that a visible patrol deters (robbery, theft, burglary of shops and homes along the
beat) counts most; disputes a little; traffic incidents little (they call for traffic police,
not for a foot or bicycle patrol).
"""

HALF_LIFE_DAYS = 90.0
"""Recency weighting: an incident this many days old counts half as much as a new one."""

BANDWIDTH_M = 100.0
"""Spatial smoothing: Gaussian kernel sigma in metres on the distance incident -> place."""

KERNEL_CUTOFF = 3.0
"""Incidents farther than this many bandwidths from a place do not count for it."""

PROFILE_PRIOR = 20.0
"""Shrinkage of a place's hour-of-week profile towards the district's, in weighted incidents."""

BASE_SHARE = 0.25
"""Risk of a key area with no incident nearby, as a share of the mean area's incident risk,
scaled by its category priority / 5 (a school with no incidents still needs its gate watched).
"""

SUMMER_MONTHS = (6, 7, 8)
"""Months of the summer high season."""

SUMMER_NIGHT_FACTOR = 1.3
"""Risk multiplier of night hours (20:00-03:59) in the summer months: people are out late,
windows are open, and Chinese community-safety practice treats summer nights as the high
season (夏季夜间治安高发期)."""

HOTSPOT_SHARE = 0.1
"""Default share of places (by weekly risk) flagged as hotspots."""


def _slots(days: tuple[int, ...], hours: tuple[float, float]) -> NDArray[np.bool_]:
    """Return a 168 mask of the given days (0 = Monday) and hours [start, end) (end may wrap)."""
    mask = np.zeros(HOURS_OF_WEEK, dtype=bool)
    start, end = hours
    hrs = [h for h in range(24) if (start <= h < end if start < end else h >= start or h < end)]
    for d in days:
        for h in hrs:
            # Hours after midnight of a wrapping window belong to the next day.
            day = (d + 1) % 7 if start >= end and h < end else d
            mask[day * 24 + h] = True
    return mask


WEEKDAYS = (0, 1, 2, 3, 4)
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A category's time pattern: risk multiplied by ``factor`` in the listed hours."""

    days: tuple[int, ...]
    hours: tuple[float, float]
    factor: float
    why: str


CATEGORY_PATTERNS: dict[str, tuple[Pattern, ...]] = {
    "school": (
        Pattern(WEEKDAYS, (7, 9), 2.5, "morning drop-off at the school gate"),
        Pattern(WEEKDAYS, (11, 13), 1.5, "noon break"),
        Pattern(WEEKDAYS, (16, 18), 2.5, "afternoon pick-up at the school gate"),
        Pattern(ALL_DAYS, (22, 6), 0.5, "school closed at night"),
    ),
    "kindergarten": (
        Pattern(WEEKDAYS, (7, 9), 2.5, "morning drop-off"),
        Pattern(WEEKDAYS, (16, 18), 2.5, "afternoon pick-up"),
        Pattern(ALL_DAYS, (22, 6), 0.5, "closed at night"),
    ),
    "market": (
        Pattern(ALL_DAYS, (6, 9), 1.8, "morning market opening crowds"),
        Pattern(ALL_DAYS, (16, 19), 1.5, "evening shopping"),
        Pattern(ALL_DAYS, (22, 5), 0.6, "market closed"),
    ),
    "supermarket": (
        Pattern(ALL_DAYS, (10, 12), 1.3, "late-morning shoppers"),
        Pattern(ALL_DAYS, (17, 21), 1.5, "evening shoppers"),
        Pattern(ALL_DAYS, (23, 7), 0.6, "closed or quiet"),
    ),
    "internet_cafe": (
        Pattern(ALL_DAYS, (20, 4), 2.0, "night sessions, minors and quarrels"),
        Pattern((4, 5, 6), (14, 20), 1.3, "weekend afternoons"),
    ),
    "entertainment": (Pattern(ALL_DAYS, (20, 3), 2.0, "night venues"),),
    "bank": (
        Pattern(WEEKDAYS, (9, 17), 1.5, "opening hours, cash handling"),
        Pattern(ALL_DAYS, (0, 6), 0.7, "ATM only"),
    ),
    "station": (
        Pattern(WEEKDAYS, (7, 9), 1.5, "morning rush"),
        Pattern(WEEKDAYS, (17, 19), 1.5, "evening rush"),
    ),
    "park": (Pattern(ALL_DAYS, (18, 22), 1.4, "evening crowds"),),
    "square": (Pattern(ALL_DAYS, (18, 22), 1.5, "evening square dancing and crowds"),),
    "hotel": (Pattern(ALL_DAYS, (21, 2), 1.3, "late check-ins"),),
    "alley": (Pattern(ALL_DAYS, (20, 5), 1.6, "back alleys at night: dark, few passers-by"),),
}
"""Time patterns per key-area category (and ``"alley"`` for alley street segments)."""


def category_pattern(category: str) -> NDArray[np.float64]:
    """Return the 168-hour multiplier of a category (ones when it has no pattern).

    Parameters
    ----------
    category
        A key-area category key, or ``"alley"``.

    Returns
    -------
    numpy.ndarray
        Multiplier per hour-of-week slot.
    """
    out = np.ones(HOURS_OF_WEEK)
    for p in CATEGORY_PATTERNS.get(category, ()):
        out[_slots(p.days, p.hours)] *= p.factor
    return out


def season_factor(month: int | None) -> NDArray[np.float64]:
    """Return the 168-hour season multiplier for a month (1..12); None = no season effect."""
    out = np.ones(HOURS_OF_WEEK)
    if month in SUMMER_MONTHS:
        out[_slots(ALL_DAYS, (20, 4))] *= SUMMER_NIGHT_FACTOR
    return out


def hour_of_week(times: pd.Series) -> NDArray[np.int64]:
    """Return the hour-of-week slot (0 = Monday 00:00) of local timestamps."""
    t = pd.DatetimeIndex(times)
    return np.asarray(t.dayofweek * 24 + t.hour, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Override:
    """A planner's override of a place's risk.

    Attributes
    ----------
    weight
        Multiplier of the computed risk (1 = unchanged, 0 = ignore the place, even if pinned).
    pin
        Always flag the place as a hotspot, and give it at least the risk of the riskiest
        place of its kind.
    note
        Why (shown in tables).
    """

    weight: float = 1.0
    pin: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        if not (self.weight >= 0 and math.isfinite(self.weight)):
            msg = f"Override weight must be a number >= 0, got {self.weight}."
            raise PlanInputError(msg)


@dataclass(frozen=True, slots=True)
class RiskParams:
    """Settings of the risk model; see the module constants for their meaning."""

    half_life_days: float = HALF_LIFE_DAYS
    bandwidth_m: float = BANDWIDTH_M
    category_weights: Mapping[str, float] = field(default_factory=lambda: dict(CATEGORY_WEIGHTS))
    profile_prior: float = PROFILE_PRIOR
    base_share: float = BASE_SHARE
    hotspot_share: float = HOTSPOT_SHARE

    def __post_init__(self) -> None:
        if not self.half_life_days > 0 or not self.bandwidth_m > 0:
            msg = "Risk half-life and bandwidth must be positive."
            raise PlanInputError(msg)
        if not 0 < self.hotspot_share <= 1:
            msg = f"Hotspot share must be in (0, 1], got {self.hotspot_share}."
            raise PlanInputError(msg)


@dataclass(frozen=True, slots=True)
class RiskTable:
    """Risk of one kind of place (key areas, streets or grids) per hour of the week.

    Attributes
    ----------
    kind
        ``"area"``, ``"street"`` or ``"grid"``.
    hourly
        DataFrame indexed by place id with columns 0..167: expected weighted incidents per hour
        slot (relative units; comparable within a kind).
    info
        DataFrame indexed by place id: ``weekly`` (sum of ``hourly``), ``incidents`` (recency-
        and category-weighted incidents within reach), ``peak_how`` (riskiest slot), ``rank``,
        ``hotspot`` (bool), ``pinned`` (bool), ``weight``, ``note``.
    """

    kind: str
    hourly: pd.DataFrame
    info: pd.DataFrame

    def hotspots(self) -> list[str]:
        """Return the ids flagged as hotspots, riskiest first."""
        hot = self.info[self.info["hotspot"]]
        return [str(i) for i in hot.sort_values("weekly", ascending=False).index]

    def window(self, hows: NDArray[np.int64] | list[int]) -> pd.Series:
        """Return each place's risk summed over the given hour-of-week slots."""
        return self.hourly.iloc[:, list(hows)].sum(axis=1)


@dataclass(frozen=True, slots=True)
class RiskResult:
    """Risk tables of a district: key areas, street segments and grids."""

    areas: RiskTable
    streets: RiskTable
    grids: RiskTable
    as_of: str
    month: int | None
    n_incidents: int

    def hotspot_table(self) -> pd.DataFrame:
        """Return every hotspot of every kind: kind, id, weekly risk, rank, pinned, note."""
        rows = []
        for table in (self.areas, self.streets, self.grids):
            info = table.info
            for pid in table.hotspots():
                r = info.loc[pid]
                rows.append(
                    {
                        "kind": table.kind,
                        "id": pid,
                        "name": r.get("name", ""),
                        "weekly": float(r["weekly"]),
                        "rank": int(r["rank"]),
                        "pinned": bool(r["pinned"]),
                        "peak_how": int(r["peak_how"]),
                        "note": r["note"],
                    }
                )
        return pd.DataFrame(rows)


def _incident_points(incidents: pd.DataFrame, crs: CRS | str) -> gpd.GeoSeries:
    return gpd.GeoSeries(
        gpd.points_from_xy(incidents["lon"], incidents["lat"]), crs="EPSG:4326"
    ).to_crs(crs)


def _kernel(
    targets: gpd.GeoSeries, points: gpd.GeoSeries, weights: NDArray[np.float64], bw: float
) -> sparse.csr_matrix:
    """Return the targets × incidents matrix of weight × Gaussian kernel of the distance."""
    tree = shapely.STRtree(targets.to_numpy())
    pairs = tree.query(points.to_numpy(), predicate="dwithin", distance=KERNEL_CUTOFF * bw)
    pi, ti = pairs[0], pairs[1]
    d = shapely.distance(points.to_numpy()[pi], targets.to_numpy()[ti])
    vals = weights[pi] * np.exp(-0.5 * (d / bw) ** 2)
    return sparse.csr_matrix((vals, (ti, pi)), shape=(len(targets), len(points)))


def _hour_matrix(hows: NDArray[np.int64]) -> sparse.csr_matrix:
    """Return incidents × 168 with each incident spread over its hour ±1 (weights .25 .5 .25)."""
    n = len(hows)
    rows = np.repeat(np.arange(n), 3)
    cols = (np.repeat(hows, 3) + np.tile([-1, 0, 1], n)) % HOURS_OF_WEEK
    vals = np.tile([0.25, 0.5, 0.25], n)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, HOURS_OF_WEEK))


def _table(
    kind: str,
    ids: pd.Index,
    names: pd.Series,
    incident_rate: NDArray[np.float64],
    base: NDArray[np.float64],
    patterns: NDArray[np.float64],
    season: NDArray[np.float64],
    weighted: NDArray[np.float64],
    overrides: Mapping[str, Override],
    share: float,
) -> RiskTable:
    hourly = (incident_rate + base[:, None]) * patterns * season[None, :]
    weights = np.array([overrides[i].weight if i in overrides else 1.0 for i in ids])
    pinned = np.array([i in overrides and overrides[i].pin for i in ids], dtype=bool)
    hourly = hourly * weights[:, None]
    if pinned.any() and len(ids):
        top = hourly.sum(axis=1).max()
        for k in np.flatnonzero(pinned & (weights > 0)):
            w = hourly[k].sum()
            if w < top:
                hourly[k] = hourly[k] * (top / w) if w > 0 else top / HOURS_OF_WEEK
    weekly = hourly.sum(axis=1)
    order = np.argsort(-weekly, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(1, len(ids) + 1)
    n_hot = math.ceil(share * len(ids)) if len(ids) else 0
    # Pinned places are hotspots on top of the computed ones, not instead of them.
    free = order[~pinned[order]]
    hot = pinned.copy()
    hot[free[:n_hot]] = True
    hot &= (weekly > 0) | pinned
    hot &= weights > 0
    info = pd.DataFrame(
        {
            "name": names.to_numpy() if len(names) == len(ids) else "",
            "weekly": weekly,
            "incidents": weighted,
            "peak_how": hourly.argmax(axis=1) if len(ids) else np.zeros(0, dtype=int),
            "rank": rank,
            "hotspot": hot,
            "pinned": pinned,
            "weight": weights,
            "note": [overrides[i].note if i in overrides else "" for i in ids],
        },
        index=pd.Index(ids.astype(str), name="id"),
    )
    frame = pd.DataFrame(hourly, index=info.index, columns=range(HOURS_OF_WEEK))
    return RiskTable(kind, frame, info)


def compute_risk(
    incidents: pd.DataFrame,
    key_areas: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    *,
    work_crs: CRS | str,
    as_of: datetime | pd.Timestamp | None = None,
    month: int | None = None,
    overrides: Mapping[str, Override] | None = None,
    params: RiskParams | None = None,
) -> RiskResult:
    """Compute the risk of every key area, street segment and grid per hour of the week.

    For each place, every incident counts with its category weight
    (:data:`CATEGORY_WEIGHTS`), its recency weight ``0.5 ** (age / half_life)`` and a Gaussian
    kernel of its distance to the place (0 inside a polygon). The hour-of-week profile of those
    incidents (each spread over its hour ±1) is shrunk towards the district's profile, so a
    place with few incidents follows the district's rhythm. Key areas get a base risk from their
    priority (:data:`BASE_SHARE`). Then the category's time pattern
    (:data:`CATEGORY_PATTERNS`; back alleys at night) and the season (:func:`season_factor`)
    multiply, and planner overrides apply last.

    Parameters
    ----------
    incidents
        Columns time (local, tz-aware or naive), category, lon, lat.
    key_areas, streets, grids
        District layers (EPSG:4326) with ``id``; key areas need ``category`` and ``priority``,
        streets ``alley`` and ``length``.
    work_crs
        Metric CRS for distances.
    as_of
        Time the recency weights are measured from; default the latest incident.
    month
        Month the risk is for (season); None = no season effect.
    overrides
        Place id -> :class:`Override` (ids of any kind).
    params
        Model settings.

    Returns
    -------
    RiskResult

    Raises
    ------
    PlanInputError
        When a layer lacks ``id`` or an incident has no usable time or place.
    """
    params = params or RiskParams()
    overrides = dict(overrides or {})
    for name, layer in (("key_areas", key_areas), ("streets", streets), ("grids", grids)):
        if "id" not in layer.columns:
            msg = f"Layer {name} has no 'id' column."
            raise PlanInputError(msg)
    inc = incidents.dropna(subset=["lon", "lat", "time"])
    if len(inc) != len(incidents):
        msg = f"{len(incidents) - len(inc)} incidents lack time or coordinates."
        raise PlanInputError(msg)
    times = pd.DatetimeIndex(inc["time"])
    if as_of is None:
        ref = times.max() if len(times) else pd.Timestamp("1970-01-01", tz=times.tz)
    else:
        ref = pd.Timestamp(as_of)
        if ref.tzinfo is None and times.tz is not None:
            ref = ref.tz_localize(times.tz)
    age = np.clip((ref - times).total_seconds().to_numpy() / 86400.0, 0, None)
    cat_w = inc["category"].map(lambda c: params.category_weights.get(c, 0.5)).to_numpy(float)
    w = cat_w * 0.5 ** (age / params.half_life_days)
    pts = _incident_points(inc, work_crs)
    hm = _hour_matrix(hour_of_week(inc["time"]))
    glob = np.asarray(hm.T @ w).ravel()
    glob = glob / glob.sum() if glob.sum() > 0 else np.full(HOURS_OF_WEEK, 1 / HOURS_OF_WEEK)
    season = season_factor(month)

    def incident_rate(geoms: gpd.GeoSeries) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if not len(geoms) or not len(pts):
            return np.zeros((len(geoms), HOURS_OF_WEEK)), np.zeros(len(geoms))
        k = _kernel(geoms.to_crs(work_crs).reset_index(drop=True), pts, w, params.bandwidth_m)
        raw = np.asarray((k @ hm).todense())
        tot = raw.sum(axis=1)
        profile = (raw + params.profile_prior * glob[None, :]) / (tot + params.profile_prior)[
            :, None
        ]
        return tot[:, None] * profile, tot

    # Key areas.
    a_rate, a_tot = incident_rate(key_areas.geometry)
    prio = pd.to_numeric(key_areas.get("priority", pd.Series(3, index=key_areas.index)))
    mean_area = float(a_tot.mean()) if len(a_tot) and a_tot.mean() > 0 else 1.0
    a_base = params.base_share * mean_area * prio.fillna(3).to_numpy(float) / 5.0 / HOURS_OF_WEEK
    a_pat = (
        np.stack([category_pattern(str(c)) for c in key_areas.get("category", [])])
        if len(key_areas)
        else np.ones((0, HOURS_OF_WEEK))
    )
    areas = _table(
        "area", pd.Index(key_areas["id"].astype(str)), key_areas.get("name", pd.Series(dtype=str)),
        a_rate, a_base, a_pat, season, a_tot, overrides, params.hotspot_share,
    )  # fmt: skip

    # Street segments: risk per 100 m so long streets do not win by length alone.
    s_rate, s_tot = incident_rate(streets.geometry)
    length = pd.to_numeric(streets.get("length", pd.Series(100.0, index=streets.index)))
    per100 = 100.0 / np.maximum(length.fillna(100.0).to_numpy(float), 50.0)
    alley = streets.get("alley", pd.Series(False, index=streets.index)).fillna(False).astype(bool)
    s_pat = (
        np.stack([category_pattern("alley" if a else "") for a in alley])
        if len(streets)
        else np.ones((0, HOURS_OF_WEEK))
    )
    street_table = _table(
        "street", pd.Index(streets["id"].astype(str)), streets.get("name", pd.Series(dtype=str)),
        s_rate * per100[:, None], np.zeros(len(streets)), s_pat, season, s_tot, overrides,
        params.hotspot_share,
    )  # fmt: skip

    # Grids.
    g_rate, g_tot = incident_rate(grids.geometry)
    grid_table = _table(
        "grid", pd.Index(grids["id"].astype(str)), grids.get("name", pd.Series(dtype=str)),
        g_rate, np.zeros(len(grids)), np.ones((len(grids), HOURS_OF_WEEK)), season, g_tot,
        overrides, params.hotspot_share,
    )  # fmt: skip
    known = set(areas.info.index) | set(street_table.info.index) | set(grid_table.info.index)
    unknown = sorted(set(overrides) - known)
    if unknown:
        msg = f"Override names unknown place id {unknown[0]!r}."
        raise PlanInputError(msg)
    logger.info(
        "risk: %d incidents, %d areas, %d streets, %d grids",
        len(inc), len(key_areas), len(streets), len(grids),
    )  # fmt: skip
    return RiskResult(
        areas=areas,
        streets=street_table,
        grids=grid_table,
        as_of=str(ref),
        month=month,
        n_incidents=len(inc),
    )


OVERRIDES_FILE = "hotspots.toml"
"""File in a district bundle folder holding the planners' overrides (:func:`read_overrides`)."""


def read_overrides(path: str | Path) -> dict[str, Override]:
    """Read planner overrides from a TOML file (a missing file means none).

    The file lists one table per place::

        [[override]]
        id = "e1166136999-4289676215"   # a key area, street or grid id
        pin = true                      # always a hotspot
        weight = 1.5                    # risk multiplier (default 1)
        note = "theft-prone alley, residents' complaints"

    Parameters
    ----------
    path
        The TOML file, or a district bundle folder (then its ``hotspots.toml``).

    Returns
    -------
    dict
        Place id -> :class:`Override`.

    Raises
    ------
    PlanInputError
        When the file is not valid TOML or an entry lacks an id, repeats one or has a bad value.
    """
    import tomllib

    file = Path(path)
    if file.is_dir():
        file = file / OVERRIDES_FILE
    if not file.is_file():
        return {}
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"Override file {file} is not valid TOML: {exc}."
        raise PlanInputError(msg) from None
    out: dict[str, Override] = {}
    entries = data.get("override", [])
    if not isinstance(entries, list):
        msg = f"Override file {file}: 'override' must be a list of tables ([[override]])."
        raise PlanInputError(msg)
    for k, entry in enumerate(entries, start=1):
        where = f"Override file {file}, entry {k}"
        if not isinstance(entry, dict) or not str(entry.get("id", "")).strip():
            msg = f"{where} has no id."
            raise PlanInputError(msg)
        unknown = sorted(set(entry) - {"id", "pin", "weight", "note"})
        if unknown:
            msg = f"{where} has the unknown key {unknown[0]!r}; use id, pin, weight, note."
            raise PlanInputError(msg)
        pid = str(entry["id"]).strip()
        if pid in out:
            msg = f"{where} repeats the id {pid!r}."
            raise PlanInputError(msg)
        weight, pin = entry.get("weight", 1.0), entry.get("pin", False)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            msg = f"{where} has weight {weight!r}, which is not a number."
            raise PlanInputError(msg)
        if not isinstance(pin, bool):
            msg = f"{where} has pin {pin!r}; use true or false."
            raise PlanInputError(msg)
        try:
            out[pid] = Override(float(weight), pin, str(entry.get("note", "")))
        except PlanInputError as exc:
            msg = f"{where}: {exc}"
            raise PlanInputError(msg) from None
    return out


def district_risk(
    district: Any,
    *,
    on: date | None = None,
    overrides: Mapping[str, Override] | None = None,
    params: RiskParams | None = None,
) -> RiskResult:
    """Compute :func:`compute_risk` for a loaded district (``geodata.bundle.District``).

    The overrides stored in the bundle's ``hotspots.toml`` (:func:`read_overrides`) apply,
    and ``overrides`` given here take precedence over them.

    Parameters
    ----------
    district
        The district; its incidents, key areas, streets, grids and work CRS are used.
    on
        The date the plan is for: sets the season (month); None = no season effect.
    overrides
        Place id -> :class:`Override`.
    params
        Model settings.
    """
    stored = read_overrides(district.path) if district.path is not None else {}
    return compute_risk(
        district.incidents,
        district.key_areas,
        district.streets,
        district.grids,
        work_crs=district.work_crs,
        month=on.month if on is not None else None,
        overrides={**stored, **(overrides or {})},
        params=params,
    )
