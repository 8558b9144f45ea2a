"""Forecast evaluation: PAI and PEI of the forecast, the naive maps and the oracle, per unit.

For each unit set (grid cells; street segments when a street network is given) and each area
share, the evaluation flags the units with the highest score per measure (per m² of a cell, per
metre of a segment) until the share of the total measure is reached, and counts the test
period's incidents in them. PAI is the hit rate divided by the area share; PEI is the hit rate
divided by the oracle's (the oracle ranks the units by the test incidents themselves, so its
PEI is 1 and no forecast passes it).

The naive maps are all-time counts of the training period (``counts_all``), counts of its last
stretch as long as the test period (``counts_last``) and a Gaussian kernel density of all
training incidents (``kde``). The forecast's hyperparameters
(:mod:`planner.hotspots.forecast_model`) and the KDE bandwidth are chosen by the mean PEI over
rolling splits inside the training period; the test period is looked at only for the final
scores.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.exceptions import IncidentError
from planner.hotspots.forecast_model import Components, ForecastParams, History, candidates
from planner.hotspots.incident_points import make_grid
from planner.hotspots.spatial_units import CellUnits, SegmentUnits

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    from numpy.typing import NDArray

    from planner.hotspots.incident_points import IncidentPoints
    from planner.hotspots.spatial_units import Units

logger = logging.getLogger("planner")

AREA_SHARES = (0.01, 0.05, 0.10)
"""Default area shares of an evaluation."""

METHODS = ("forecast", "counts_all", "counts_last", "kde", "oracle")
"""Methods of every row, in order; the naive maps are the middle three."""

NAIVE = ("counts_all", "counts_last", "kde")
"""The naive maps the forecast is measured against."""

ROLLING_SPLITS = 3
"""Number of consecutive train/test splits inside the training period."""

SPATIAL_FOLDS = 5
"""The forecast leaves the anchor only for a member that gains in each of this many random
parts of the units (fixed seed) over the rolling rows: a gain that holds across the map."""

BANDWIDTHS_CELLS = (0.5, 1.0, 2.0, 4.0)
"""Candidate kernel bandwidths on cells, in cell sizes (KDE and the forecast's smoothing)."""

BANDWIDTHS_M = (50.0, 100.0, 200.0, 400.0)
"""Candidate kernel bandwidths on street segments, in metres."""


def hit_rate_by_measure(
    score: NDArray[np.float64],
    actual: NDArray[np.float64],
    measure: NDArray[np.float64],
    share: float,
) -> float:
    """Return the hit rate of flagging the units with the highest score per measure.

    Units are taken by descending ``score / measure`` until ``share`` of the total measure is
    flagged; the last unit counts in part. Units tied at the threshold share the remaining
    measure in proportion, which is the expectation of a random tie-break, so no method gains
    from the order of the units.

    Parameters
    ----------
    score
        Forecast per unit.
    actual
        Test incidents per unit.
    measure
        Area or length per unit (positive).
    share
        Share of the total measure flagged, in (0, 1].

    Returns
    -------
    float
        Share of the test incidents in the flagged units (0 when there are none).
    """
    total = float(actual.sum())
    if len(score) == 0 or total <= 0:
        return 0.0
    # An elementwise product, not a BLAS dot: BLAS threads spin on a busy machine.
    return float((flagged_share(score, measure, share) * actual).sum() / total)


def flagged_share(
    score: NDArray[np.float64], measure: NDArray[np.float64], share: float
) -> NDArray[np.float64]:
    """Return the flagged part (0 to 1) of each unit, as :func:`hit_rate_by_measure` flags them.

    Parameters
    ----------
    score
        Forecast per unit.
    measure
        Area or length per unit (positive).
    share
        Share of the total measure flagged, in (0, 1].

    Returns
    -------
    numpy.ndarray
        1 for units flagged whole, 0 for units left out, a fraction for the units at the
        threshold.
    """
    out = np.zeros(len(score))
    if len(score) == 0:
        return out
    density = score / measure
    order = np.argsort(-density, kind="stable")
    d, m = density[order], measure[order]
    budget = share * float(measure.sum())
    cum = np.cumsum(m)
    k = min(int(np.searchsorted(cum, budget - 1e-9 * budget)), len(d) - 1)
    thr = d[k]
    above = density > thr
    tied = density == thr
    frac = min(max((budget - measure[above].sum()) / measure[tied].sum(), 0.0), 1.0)
    out[above] = 1.0
    out[tied] = frac
    return out


@dataclass(frozen=True, slots=True)
class Split:
    """One train/test split: training before ``cut``, testing in ``[cut, end)``."""

    start: np.datetime64
    cut: np.datetime64
    end: np.datetime64

    @property
    def test_days(self) -> float:
        """Length of the test period in days."""
        return float((self.end - self.cut) / np.timedelta64(1, "s")) / 86400.0

    def to_dict(self) -> dict[str, str]:
        """Return the split's dates for JSON."""
        return {
            "train_from": str(pd.Timestamp(self.start)),
            "train_until": str(pd.Timestamp(self.cut)),
            "test_until": str(pd.Timestamp(self.end)),
        }


@dataclass(frozen=True, slots=True)
class _Scored:
    """The maps and the test counts of one split on one unit set."""

    units: Units
    actual: NDArray[np.float64]
    history: History
    all_counts: NDArray[np.float64]
    last_counts: NDArray[np.float64]
    components: Components
    test_days: float


def _prepare(points: IncidentPoints, split: Split, make_units: Any) -> _Scored:
    train = (points.time >= split.start) & (points.time < split.cut)
    test = (points.time >= split.cut) & (points.time < split.end)
    units = make_units(points.x[train], points.y[train])
    n = len(units.measure)
    unit = units.assign(points.x[train], points.y[train])
    t = points.time[train]
    age = (split.cut - t) / np.timedelta64(1, "s") / 86400.0
    day = t.astype("datetime64[D]").astype(np.int64)
    history_days = float((split.cut - split.start) / np.timedelta64(1, "s")) / 86400.0
    hist = History(unit, np.asarray(age, dtype=np.float64), day, history_days)
    ok = unit >= 0
    all_counts = np.bincount(unit[ok], minlength=n).astype(np.float64)
    last_from = split.cut - np.timedelta64(int(split.test_days * 86400), "s")
    recent = ok & (t >= last_from)
    last_counts = np.bincount(unit[recent], minlength=n).astype(np.float64)
    tu = units.assign(points.x[test], points.y[test])
    actual = np.bincount(tu[tu >= 0], minlength=n).astype(np.float64)
    comps = Components(units, hist)
    return _Scored(units, actual, hist, all_counts, last_counts, comps, split.test_days)


@dataclass(frozen=True, slots=True)
class Row:
    """PAI and PEI of every method for one unit kind and area share."""

    unit: str
    area: float
    pai: dict[str, float]
    pei: dict[str, float]
    context: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Figures shown for context, not methods: name -> (PAI, PEI)."""

    @property
    def best_naive(self) -> str:
        """The naive map with the highest PAI."""
        return max(NAIVE, key=lambda m: self.pai[m])

    @property
    def headroom_captured(self) -> float:
        """Share of the PAI gap between the best naive map and the oracle the forecast closes."""
        base = self.pai[self.best_naive]
        gap = self.pai["oracle"] - base
        return (self.pai["forecast"] - base) / gap if gap > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the row in the evaluation's JSON shape."""
        return {
            "unit": self.unit,
            "area": self.area,
            "pai": {m: round(self.pai[m], 4) for m in METHODS},
            "pei": {m: round(self.pei[m], 4) for m in METHODS},
            "best_naive": self.best_naive,
            "headroom_captured": round(self.headroom_captured, 4),
            **(
                {
                    "context": {
                        k: {"pai": round(v[0], 4), "pei": round(v[1], 4)}
                        for k, v in self.context.items()
                    }
                }
                if self.context
                else {}
            ),
        }


def _rows(
    s: _Scored, maps: dict[str, NDArray[np.float64]], unit: str, areas: Sequence[float]
) -> list[Row]:
    rows = []
    for share in areas:
        hits = {
            m: hit_rate_by_measure(v, s.actual, s.units.measure, share) for m, v in maps.items()
        }
        hits["oracle"] = hit_rate_by_measure(s.actual, s.actual, s.units.measure, share)
        o = hits["oracle"]
        rows.append(
            Row(
                unit=unit,
                area=share,
                pai={m: hits[m] / share for m in METHODS},
                pei={m: hits[m] / o if o > 0 else 0.0 for m in METHODS},
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class UnitEvaluation:
    """The evaluation on one unit kind: test rows, rolling rows and the chosen settings.

    Attributes
    ----------
    anchor
        The naive map with the best mean PEI on the rolling splits; the forecast is this map
        unless a mixture was at least as good on every rolling row (``moved``).
    rolling_pei, anchor_pei
        Mean PEI over the rolling rows of the chosen forecast and of the anchor.
    """

    unit: str
    rows: list[Row]
    rolling: list[tuple[Split, list[Row]]]
    params: ForecastParams
    kde_bandwidth_m: float
    anchor: str
    moved: bool
    rolling_pei: float
    anchor_pei: float
    n_units: int
    n_test_in_units: int


def _naive_params(name: str, s: _Scored, kde_bw: float) -> ForecastParams:
    if name == "counts_last":
        return ForecastParams(window_days=s.test_days)
    if name == "kde":
        return ForecastParams(prior_days=math.inf, bandwidth_m=kde_bw)
    return ForecastParams()


def _maps(s: _Scored, params: ForecastParams, kde_bw: float) -> dict[str, NDArray[np.float64]]:
    if params.window_days is not None:
        # The last-period map keeps its meaning: the last stretch as long as this test period.
        params = dataclasses.replace(params, window_days=s.test_days)
    return {
        "forecast": s.components.score(params),
        "counts_all": s.all_counts,
        "counts_last": s.last_counts,
        "kde": s.units.smooth(s.all_counts, kde_bw),
    }


def evaluate_units(
    points: IncidentPoints,
    test: Split,
    rolling: Sequence[Split],
    make_units: Any,
    *,
    unit: str,
    areas: Sequence[float],
    bandwidths_m: Sequence[float],
) -> UnitEvaluation:
    """Choose the forecast and KDE settings on ``rolling`` and score every map on ``test``.

    The KDE bandwidth is the one with the best mean PEI over the rolling rows (every rolling
    split and area share). The anchor is the naive map with the best mean rolling PEI; a
    member of :func:`planner.hotspots.forecast_model.candidates` replaces it when its mean
    rolling PEI is higher, it is not below the anchor on any rolling row, and it catches more of the
    rolling test incidents than the anchor in each of :data:`SPATIAL_FOLDS` random parts of
    the units.

    Parameters
    ----------
    points
        The incidents.
    test
        The final split.
    rolling
        Splits inside ``test``'s training period used to choose the settings.
    make_units
        Callable ``(x, y) -> Units`` building the units from a split's training points.
    unit
        Name of the unit kind in the rows.
    areas
        Area shares.
    bandwidths_m
        Candidate kernel bandwidths (of the KDE and of the forecast's smoothed term).

    Returns
    -------
    UnitEvaluation
    """
    prepared = [(r, _prepare(points, r, make_units)) for r in rolling]
    prepared = [(r, p) for r, p in prepared if p.actual.sum() > 0]
    oracle = [
        [float((flagged_share(p.actual, p.units.measure, a) * p.actual).sum()) for a in areas]
        for _, p in prepared
    ]
    rng = np.random.default_rng(0)
    folds = [rng.integers(0, SPATIAL_FOLDS, len(p.actual)) for _, p in prepared]

    def flags(params_of: Any) -> list[list[NDArray[np.float64]]]:
        out = []
        for _, p in prepared:
            score = p.components.score(params_of(p))
            out.append([flagged_share(score, p.units.measure, a) for a in areas])
        return out

    def peis(fl: list[list[NDArray[np.float64]]]) -> NDArray[np.float64]:
        vals = [
            float((f * p.actual).sum()) / o if o > 0 else 0.0
            for (_, p), row, orow in zip(prepared, fl, oracle, strict=True)
            for f, o in zip(row, orow, strict=True)
        ]
        return np.asarray(vals, dtype=np.float64)

    def fold_gains(
        fl: list[list[NDArray[np.float64]]], base: list[list[NDArray[np.float64]]]
    ) -> NDArray[np.float64]:
        gain = np.zeros(SPATIAL_FOLDS)
        for k, (_, p) in enumerate(prepared):
            for f, fb, o in zip(fl[k], base[k], oracle[k], strict=True):
                if o > 0:
                    w = (f - fb) * p.actual / o
                    gain += np.bincount(folds[k], weights=w, minlength=SPATIAL_FOLDS)
        return gain

    def mean(v: NDArray[np.float64]) -> float:
        return float(v.mean()) if len(v) else 0.0

    kde_bw, kde_best = bandwidths_m[0], -1.0
    for bw in bandwidths_m:
        v = mean(peis(flags(lambda p, b=bw: _naive_params("kde", p, b))))
        if v > kde_best + 1e-12:
            kde_bw, kde_best = bw, v
    naive_flags = {n: flags(lambda p, n=n: _naive_params(n, p, kde_bw)) for n in NAIVE}
    naive = {n: peis(fl) for n, fl in naive_flags.items()}
    anchor = max(NAIVE, key=lambda n: mean(naive[n]))
    base, base_flags = naive[anchor], naive_flags[anchor]
    chosen: ForecastParams | None = None
    best = mean(base)
    for cand in candidates(bandwidths_m):
        fl = flags(lambda p, c=cand: c)
        got = peis(fl)
        if (
            mean(got) > best + 1e-12
            and bool(np.all(got >= base - 1e-12))
            and bool(np.all(fold_gains(fl, base_flags) > 0))
        ):
            chosen, best = cand, mean(got)
    final = _prepare(points, test, make_units)
    params = chosen if chosen is not None else _naive_params(anchor, final, kde_bw)
    rows = _rows(final, _maps(final, params, kde_bw), unit, areas)
    rolled = [(r, _rows(p, _maps(p, params, kde_bw), unit, areas)) for r, p in prepared]
    return UnitEvaluation(
        unit=unit,
        rows=rows,
        rolling=rolled,
        params=params,
        kde_bandwidth_m=kde_bw,
        anchor=anchor,
        moved=chosen is not None,
        rolling_pei=best,
        anchor_pei=mean(base),
        n_units=len(final.units.measure),
        n_test_in_units=int(final.actual.sum()),
    )


def plan_street_risk(
    points: IncidentPoints, split: Split, streets: gpd.GeoDataFrame, segments: SegmentUnits
) -> NDArray[np.float64]:
    """Return the plans' street risk per segment, from the training incidents of ``split``.

    The weekly risk of :func:`planner.hotspots.risk.compute_risk` (per 100 m, with the
    category weights, recency, kernel and the back-alley night pattern) is multiplied by the
    segment's length, so that :func:`hit_rate_by_measure` ranks the segments as the plans do.
    """
    import geopandas as gpd
    from pyproj import Transformer

    from planner.hotspots.risk import compute_risk

    train = (points.time >= split.start) & (points.time < split.cut)
    lon, lat = Transformer.from_crs(points.crs, "EPSG:4326", always_xy=True).transform(
        points.x[train], points.y[train]
    )
    incidents = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(points.time[train]),
            "category": points.category[train],
            "lon": lon,
            "lat": lat,
        }
    )
    layer = streets[~streets.geometry.is_empty & streets.geometry.notna()].copy()
    if "id" not in layer:
        layer["id"] = [str(i) for i in layer.index]
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    risk = compute_risk(
        incidents, empty, layer, empty, work_crs=points.crs, as_of=pd.Timestamp(split.cut)
    )
    weekly = risk.streets.info["weekly"].reindex(list(segments.ids)).to_numpy(float)
    # Ranked per metre as the plans rank streets: by the risk per 100 m.
    return np.asarray(weekly * segments.measure / 100.0, dtype=np.float64)


def rolling_splits(test: Split, n: int = ROLLING_SPLITS) -> list[Split]:
    """Return ``n`` consecutive splits ending at ``test.cut``, inside its training period.

    Each test window is as long as ``test``'s, but at most a ``1 / (n + 1)`` of the training
    period (so that the earliest split still has that much history), in whole days.
    """
    train_days = float((test.cut - test.start) / np.timedelta64(1, "s")) / 86400.0
    days = max(math.floor(min(test.test_days, train_days / (n + 1))), 1)
    step = np.timedelta64(days * 86400, "s")
    return [
        Split(test.start, test.cut - (k + 1) * step, test.cut - k * step)
        for k in reversed(range(n))
    ]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A whole evaluation: every unit kind, the test split and the rolling splits."""

    test: Split
    rolling: list[Split]
    units: list[UnitEvaluation]
    cell: float
    n_train: int
    n_test: int
    n_dropped: int
    crs: str
    runtime: float
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        """Every test row, cells first."""
        return [r for u in self.units for r in u.rows]

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON: ``{"rows": [...], ...}`` (see the module doc)."""
        return {
            "rows": [r.to_dict() for r in self.rows],
            "rolling": [
                {**split.to_dict(), "rows": [r.to_dict() for r in rows]}
                for u in self.units
                for split, rows in u.rolling
            ],
            "test": self.test.to_dict(),
            "models": {
                u.unit: {
                    "forecast": u.params.to_dict(),
                    "kde_bandwidth_m": u.kde_bandwidth_m,
                    "anchor": u.anchor,
                    "moved_from_anchor": u.moved,
                    "rolling_pei": round(u.rolling_pei, 4),
                    "anchor_rolling_pei": round(u.anchor_pei, 4),
                    "units": u.n_units,
                    "test_incidents_in_units": u.n_test_in_units,
                }
                for u in self.units
            },
            "cell_m": self.cell,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_dropped": self.n_dropped,
            "crs": self.crs,
            "notes": self.notes,
            "runtime_s": round(self.runtime, 3),
        }


def evaluate(
    points: IncidentPoints,
    train_until: str | pd.Timestamp,
    *,
    cell: float = 250.0,
    areas: Sequence[float] = AREA_SHARES,
    test_until: str | pd.Timestamp | None = None,
    streets: gpd.GeoDataFrame | None = None,
    n_rolling: int = ROLLING_SPLITS,
) -> Evaluation:
    """Evaluate the forecast and the naive maps on cells (and street segments).

    Parameters
    ----------
    points
        The incidents (:func:`planner.hotspots.incident_points.read_points`).
    train_until
        First local time of the test period.
    cell
        Cell size in metres.
    areas
        Area shares in (0, 1).
    test_until
        End of the test period (exclusive); None = just after the last record.
    streets
        Street segments (EPSG:4326 or any CRS, with ``id``) to evaluate on as well.
    n_rolling
        Number of rolling splits inside the training period.

    Returns
    -------
    Evaluation

    Raises
    ------
    IncidentError
        When a period is empty or a parameter is out of range.
    """
    t0 = time.perf_counter()
    if not (cell > 0 and math.isfinite(cell)):
        msg = f"Cell size must be a positive number of metres, got {cell}."
        raise IncidentError(msg)
    for a in areas:
        if not 0 < a < 1:
            msg = f"Area share must be between 0 and 1, got {a}."
            raise IncidentError(msg)
    if not areas:
        msg = "Give at least one area share."
        raise IncidentError(msg)
    if n_rolling < 1:
        msg = f"The number of rolling splits must be at least 1, got {n_rolling}."
        raise IncidentError(msg)
    cut = np.datetime64(pd.Timestamp(train_until).to_datetime64(), "ns")
    end = (
        np.datetime64(points.time.max(), "ns") + np.timedelta64(1, "h")
        if test_until is None
        else np.datetime64(pd.Timestamp(test_until).to_datetime64(), "ns")
    )
    start = np.datetime64(points.time.min(), "ns")
    train = points.time < cut
    testm = (points.time >= cut) & (points.time < end)
    if not train.any() or not testm.any():
        msg = (
            f"Training before {pd.Timestamp(cut).date()} and testing after it both need "
            f"incidents; the records run from {pd.Timestamp(start).date()} to "
            f"{pd.Timestamp(points.time.max()).date()}."
        )
        raise IncidentError(msg)
    test = Split(start, cut, end)
    rolling = rolling_splits(test, n_rolling)
    grid = make_grid(points, train, cell)
    areas = tuple(float(a) for a in areas)
    results = [
        evaluate_units(
            points, test, rolling, lambda x, y: CellUnits.footprint(grid, x, y),
            unit="cell", areas=areas,
            bandwidths_m=tuple(b * cell for b in BANDWIDTHS_CELLS),
        )
    ]  # fmt: skip
    notes = []
    if streets is not None:
        segments = SegmentUnits.from_streets(streets, points.crs)
        seg = evaluate_units(
            points, test, rolling, lambda x, y: segments,
            unit="segment", areas=areas, bandwidths_m=BANDWIDTHS_M,
        )  # fmt: skip
        risk = plan_street_risk(points, test, streets, segments)
        final = _prepare(points, test, lambda x, y: segments)
        for row in seg.rows:
            hit = hit_rate_by_measure(risk, final.actual, segments.measure, row.area)
            oracle = row.pai["oracle"] * row.area
            row.context["plan_risk"] = (hit / row.area, hit / oracle if oracle > 0 else 0.0)
        results.append(seg)
        notes.append(
            "segment rows count the incidents within 50 m of a street segment; the area share "
            "is a share of the street length"
        )
        notes.append(
            "context.plan_risk is the street risk plans use now (planner.hotspots.risk, "
            "computed from the training incidents as of the test period's start); it is not "
            "one of the naive maps"
        )
    result = Evaluation(
        test=test,
        rolling=rolling,
        units=results,
        cell=cell,
        n_train=int(train.sum()),
        n_test=int(testm.sum()),
        n_dropped=points.dropped,
        crs=points.crs,
        runtime=time.perf_counter() - t0,
        notes=notes,
    )
    logger.info("forecast evaluation in %.1f s", result.runtime)
    return result
