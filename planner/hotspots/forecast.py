"""Grid-cell crime forecasts and their evaluation against naive baselines (PAI, hit rate)."""

from __future__ import annotations

import gzip
import io
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from scipy.ndimage import binary_dilation, gaussian_filter
from scipy.optimize import minimize

from planner.exceptions import IncidentError

if TYPE_CHECKING:
    from numpy.typing import NDArray

logger = logging.getLogger("planner")

NEAR_REPEAT_DAYS = 14.0
"""Window (days before the forecast starts) of the near-repeat term of :func:`forecast_surface`."""

HALF_LIVES = (30.0, 60.0, 120.0, math.inf)
"""Candidate recency half-lives in days (inf = no decay), chosen on the validation split."""

FINE_MIX = (0.0, 0.1, 0.25, 0.5)
"""Candidate weights of the narrow (0.5 cell) Gaussian smoothing mixed into the counts."""

WIDE_MIX = (0.0, 0.05, 0.15)
"""Candidate weights of the wide (2 cells) Gaussian smoothing mixed into the counts."""

NEAR_REPEAT_MIX = (0.0, 0.5, 1.0)
"""Candidate weights of the near-repeat term (recent counts, per day, relative to the mean)."""

KDE_BANDWIDTHS = (0.5, 1.0, 2.0, 4.0)
"""Candidate bandwidths of the Gaussian kernel density baseline, in cells."""

REGION_BUFFER_CELLS = 2
"""Study region: grid cells within this many cells of a cell with a training incident."""


@dataclass(frozen=True, slots=True)
class IncidentPoints:
    """Incident records ready for forecasting: local time, metric coordinates and category.

    Attributes
    ----------
    time
        Local naive timestamps (``datetime64[ns]``).
    x, y
        Coordinates in metres in ``crs``.
    category
        Offense or category label per record.
    crs
        The metric CRS of ``x`` and ``y`` (a UTM zone estimated from the data).
    dropped
        Number of records left out because their time or coordinates were missing or invalid.
    dropped_lines
        The first few (line number, reason) pairs of the dropped records (line 1 = header).
    """

    time: NDArray[np.datetime64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    category: NDArray[np.str_]
    crs: str
    dropped: int = 0
    dropped_lines: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Grid:
    """A square grid of ``nx`` × ``ny`` cells of ``cell`` metres from the corner ``(x0, y0)``."""

    x0: float
    y0: float
    nx: int
    ny: int
    cell: float

    def index(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the flat cell index of each point, or -1 for a point outside the grid."""
        ix = np.floor((x - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((y - self.y0) / self.cell).astype(np.int64)
        ok = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        return np.where(ok, iy * self.nx + ix, -1)

    def counts(self, cells: NDArray[np.int64], weights: NDArray[np.float64] | None = None) -> Any:
        """Return a ``(ny, nx)`` array of (weighted) point counts per cell."""
        ok = cells >= 0
        w = None if weights is None else weights[ok]
        flat = np.bincount(cells[ok], weights=w, minlength=self.nx * self.ny)
        return flat.astype(np.float64).reshape(self.ny, self.nx)


@dataclass(frozen=True, slots=True)
class MethodScore:
    """How well one forecast picked the test period's incidents."""

    name: str
    pai: float
    hit_rate: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Our forecast and the naive baselines measured on the same cells and test period.

    Attributes
    ----------
    methods
        One :class:`MethodScore` per method: ``"forecast"`` (ours), ``"last_period"`` (counts
        of the last stretch of training as long as the test period) and ``"kde"`` (Gaussian
        kernel density of all training incidents, bandwidth chosen on the validation split).
    references
        Figures shown for context, not baselines: ``"all_counts"`` (plain counts of the
        whole training period per cell).
    oracle
        The ceiling: PAI of the cells with the most *test* incidents (no forecast can beat it).
    """

    cell: float
    area_share: float
    train_until: str
    test_until: str
    n_train: int
    n_test: int
    n_test_in_region: int
    n_dropped: int
    region: str
    region_cells: int
    selected_cells: float
    validation_days: float
    methods: tuple[MethodScore, ...]
    references: tuple[MethodScore, ...]
    oracle: MethodScore
    runtime: float
    crs: str

    def method(self, name: str) -> MethodScore:
        """Return the score of the method called ``name``."""
        for m in self.methods:
            if m.name == name:
                return m
        msg = f"No method called {name!r} in this evaluation."
        raise KeyError(msg)

    @property
    def best_baseline(self) -> MethodScore:
        """The naive baseline with the highest PAI."""
        return max((m for m in self.methods if m.name != "forecast"), key=lambda m: m.pai)

    @property
    def ratio(self) -> float:
        """Our forecast's PAI divided by the best naive baseline's PAI."""
        base = self.best_baseline.pai
        return self.method("forecast").pai / base if base > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary of the figures."""
        return {
            "cell_m": self.cell,
            "area_share": self.area_share,
            "train_until": self.train_until,
            "test_until": self.test_until,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_test_in_region": self.n_test_in_region,
            "n_dropped": self.n_dropped,
            "region": self.region,
            "region_definition": (
                f"cells within {REGION_BUFFER_CELLS} cells ({REGION_BUFFER_CELLS * self.cell:g} m)"
                " of a cell with a training incident; the test period is not used"
                if self.region == "footprint"
                else "every cell of the training incidents' bounding box"
            ),
            "region_cells": self.region_cells,
            "selected_cells": round(self.selected_cells, 2),
            "validation_days": self.validation_days,
            "crs": self.crs,
            "methods": {
                m.name: {"pai": round(m.pai, 4), "hit_rate": round(m.hit_rate, 4), **m.params}
                for m in self.methods
            },
            "references": {
                m.name: {"pai": round(m.pai, 4), "hit_rate": round(m.hit_rate, 4)}
                for m in self.references
            },
            "best_baseline": self.best_baseline.name,
            "ratio_to_best_baseline": round(self.ratio, 4),
            "oracle": {
                "pai": round(self.oracle.pai, 4),
                "hit_rate": round(self.oracle.hit_rate, 4),
            },
            "runtime_s": round(self.runtime, 3),
        }


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return io.TextIOWrapper(open(path, "rb"), encoding="utf-8-sig")


def _utm_crs(lon: float, lat: float) -> str:
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def read_points(path: str | Path) -> IncidentPoints:
    """Read an incident table (CSV, optionally gzipped) for forecast evaluation.

    The table needs ``lon`` and ``lat`` (EPSG:4326) and a local time: either ``date`` plus
    ``hour`` columns (as in the Houston 2010 records, whose ``time`` column is UTC) or a
    ``time`` column. The category is read from ``category`` or ``offense`` when present.
    Records without a usable time or coordinates are left out and counted.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    IncidentPoints
        The usable records in a metric CRS (the UTM zone of the data's median point).

    Raises
    ------
    IncidentError
        When the file is missing, unreadable, lacks the needed columns or has no usable record.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Incident file {path} does not exist."
        raise IncidentError(msg)
    try:
        with _open_text(path) as fh:
            df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        msg = f"Incident file {path} cannot be read as CSV: {exc}."
        raise IncidentError(msg) from exc
    cols = {c.strip().lower(): c for c in df.columns}
    for need in ("lon", "lat"):
        if need not in cols:
            msg = f"Incident file {path} has no {need!r} column."
            raise IncidentError(msg)
    if "date" in cols and "hour" in cols:
        hour = pd.to_numeric(df[cols["hour"]], errors="coerce")
        day = pd.to_datetime(df[cols["date"]], errors="coerce", format="mixed")
        when = day + pd.to_timedelta(hour.where((hour >= 0) & (hour < 24)), unit="h")
    elif "time" in cols:
        # Local wall-clock time: a UTC offset, where given, is dropped (not converted).
        raw = df[cols["time"]].str.strip()
        wall = raw.str.replace(r"(Z|[+-]\d\d:?\d\d)$", "", regex=True)
        when = pd.to_datetime(wall, errors="coerce", format="mixed")
    else:
        msg = f"Incident file {path} has neither a 'time' column nor 'date' and 'hour' columns."
        raise IncidentError(msg)
    lon = pd.to_numeric(df[cols["lon"]], errors="coerce")
    lat = pd.to_numeric(df[cols["lat"]], errors="coerce")
    bad_xy = ~(lon.between(-180, 180) & lat.between(-90, 90)) | ((lon == 0) & (lat == 0))
    bad_t = when.isna()
    bad = (bad_xy | bad_t).to_numpy()
    dropped_lines = tuple(
        (int(i) + 2, "no usable coordinates" if bad_xy.iloc[i] else "no usable time")
        for i in np.flatnonzero(bad)[:20]
    )
    if bad.all():
        msg = f"Incident file {path} has no record with a usable time and coordinates."
        raise IncidentError(msg)
    if bad.any():
        logger.warning(
            "%s: %d records without usable time or coordinates left out", path, bad.sum()
        )
    ok = ~bad
    cat_col = cols.get("category") or cols.get("offense")
    cats = df[cat_col].to_numpy(dtype=str)[ok] if cat_col else np.full(ok.sum(), "other")
    lon_ok, lat_ok = lon.to_numpy()[ok], lat.to_numpy()[ok]
    crs = _utm_crs(float(np.median(lon_ok)), float(np.median(lat_ok)))
    tr = Transformer.from_crs(CRS("EPSG:4326"), CRS(crs), always_xy=True)
    x, y = tr.transform(lon_ok, lat_ok)
    return IncidentPoints(
        time=when.to_numpy()[ok].astype("datetime64[ns]"),
        x=np.asarray(x, dtype=np.float64),
        y=np.asarray(y, dtype=np.float64),
        category=cats,
        crs=crs,
        dropped=int(bad.sum()),
        dropped_lines=dropped_lines,
    )


def hit_rate_at(
    score: NDArray[np.float64], actual: NDArray[np.float64], share: float
) -> tuple[float, float]:
    """Return (PAI, hit rate) of flagging the top ``share`` of cells by ``score``.

    Exactly ``share × len(score)`` cells are flagged (a fractional cell counts in part); cells
    tied at the threshold are credited with the expected hits of a random tie-break, so no
    method gains from the order of the cells.

    Parameters
    ----------
    score
        Forecast per cell (1-D, the cells of the study region).
    actual
        Test-period incident count per cell, aligned with ``score``.
    share
        Area share in (0, 1].

    Returns
    -------
    tuple of float
        PAI (hit rate ÷ area share) and hit rate (share of test incidents in flagged cells).
    """
    n = len(score)
    total = float(actual.sum())
    if n == 0 or total <= 0:
        return 0.0, 0.0
    k = share * n
    order = np.argsort(-score, kind="stable")
    s, a = score[order], actual[order]
    thr = s[max(math.ceil(k) - 1, 0)]
    above = s > thr
    tied = s == thr
    frac = (k - above.sum()) / tied.sum()
    hits = a[above].sum() + frac * a[tied].sum()
    rate = float(hits / total)
    return rate / share, rate


def make_grid(points: IncidentPoints, mask: NDArray[np.bool_], cell: float) -> Grid:
    """Return the grid of ``cell``-metre squares over the bounding box of the masked points."""
    x, y = points.x[mask], points.y[mask]
    x0 = math.floor(x.min() / cell) * cell
    y0 = math.floor(y.min() / cell) * cell
    nx = int((x.max() - x0) // cell) + 1
    ny = int((y.max() - y0) // cell) + 1
    return Grid(x0, y0, nx, ny, cell)


def study_region(train_counts: NDArray[np.float64], *, kind: str = "footprint") -> Any:
    """Return the boolean mask of grid cells that make up the study region.

    ``"footprint"``: cells within :data:`REGION_BUFFER_CELLS` cells (a disk) of a cell with a
    training incident — the built-up area as the training data show it. ``"bbox"``: every cell
    of the training data's bounding box. Neither looks at the test period.
    """
    if kind == "bbox":
        return np.ones(train_counts.shape, dtype=bool)
    if kind != "footprint":
        msg = f"Unknown study region {kind!r}; use 'footprint' or 'bbox'."
        raise IncidentError(msg)
    r = REGION_BUFFER_CELLS
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disk = xx**2 + yy**2 <= r * r
    return binary_dilation(train_counts > 0, structure=disk)


@dataclass(frozen=True, slots=True)
class _Window:
    cells: NDArray[np.int64]
    age_days: NDArray[np.float64]
    category: NDArray[np.str_]
    days: float


def _window(
    points: IncidentPoints, grid: Grid, start: np.datetime64, end: np.datetime64
) -> _Window:
    m = (points.time >= start) & (points.time < end)
    age = (end - points.time[m]) / np.timedelta64(1, "D")
    return _Window(
        cells=grid.index(points.x[m], points.y[m]),
        age_days=age.astype(np.float64),
        category=points.category[m],
        days=float((end - start) / np.timedelta64(1, "D")),
    )


def _recency(grid: Grid, w: _Window, half_life: float, weights: dict[str, float]) -> Any:
    decay = np.ones(len(w.cells)) if math.isinf(half_life) else 0.5 ** (w.age_days / half_life)
    cat_w = np.array([weights.get(c, 1.0) for c in w.category]) if weights else 1.0
    return grid.counts(w.cells, decay * cat_w)


def _category_weights(
    grid: Grid, w: _Window, target: NDArray[np.float64], region: NDArray[np.bool_]
) -> dict[str, float]:
    """Fit non-negative weights per category by Poisson likelihood of the target counts."""
    cats = sorted(set(w.category.tolist()))
    if len(cats) < 2:
        return {}
    cols = [grid.counts(w.cells[w.category == c])[region] / w.days for c in cats]
    x_mat = np.stack(cols, axis=1)
    y = target[region]

    def nll(beta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        lam = x_mat @ beta + 1e-9
        return float(lam.sum() - (y * np.log(lam)).sum()), x_mat.sum(0) - x_mat.T @ (y / lam)

    start = np.full(len(cats), y.sum() / max(x_mat.sum(), 1e-9))
    res = minimize(nll, start, jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * len(cats))
    beta = np.asarray(res.x)
    mean = float(np.average(beta, weights=x_mat.sum(0) + 1e-12))
    if mean <= 0:
        return {}
    # Shrink towards equal weights: rare categories get noisy estimates.
    n = x_mat.sum(0) * w.days
    shrink = n / (n + 50.0)
    return {c: float(shrink[i] * beta[i] / mean + (1 - shrink[i])) for i, c in enumerate(cats)}


def _components(
    grid: Grid, history: _Window, half_life: float, weights: dict[str, float]
) -> tuple[Any, Any, Any, Any]:
    base = _recency(grid, history, half_life, weights)
    base = base / max(base.sum(), 1e-12)
    recent = history.age_days <= NEAR_REPEAT_DAYS
    rc = grid.counts(history.cells[recent])
    near = gaussian_filter(rc / rc.sum(), 0.5) if rc.sum() > 0 else np.zeros_like(base)
    return base, gaussian_filter(base, 0.5), gaussian_filter(base, 2.0), near


def forecast_surface(
    grid: Grid,
    history: _Window,
    *,
    half_life: float,
    fine: float,
    wide: float,
    near_repeat: float,
    weights: dict[str, float] | None = None,
) -> Any:
    """Return our forecast per cell from a training window.

    The score mixes, per cell: category-weighted counts with exponential recency weighting
    (``half_life`` days), the same counts smoothed by Gaussian kernels of 0.5 cell (``fine``)
    and 2 cells (``wide``), and a near-repeat term — the counts of the last
    :data:`NEAR_REPEAT_DAYS` days smoothed by 0.5 cell (``near_repeat``). Each part is
    normalised to sum to 1 before mixing.
    """
    base, f, w, near = _components(grid, history, half_life, weights or {})
    return base + fine * f + wide * w + near_repeat * near


def evaluate_forecast(
    points: IncidentPoints,
    train_until: str | pd.Timestamp,
    *,
    cell: float = 250.0,
    area_share: float = 0.05,
    test_until: str | pd.Timestamp | None = None,
    region: str = "footprint",
) -> EvaluationResult:
    """Measure our forecast and two naive baselines on the same cells and test period.

    Training is every record before ``train_until``; the test period runs from there to
    ``test_until`` (default: the end of the data). The mixing weights of our forecast and the
    bandwidth of the KDE baseline are chosen on a validation split *inside* the training period
    (its last stretch, as long as the test period but at most a third of the training data),
    then refitted on the whole training period: the test period is never looked at until the
    final scoring.

    Parameters
    ----------
    points
        The incident records (:func:`read_points`).
    train_until
        First local time of the test period, e.g. ``"2010-07-01"``.
    cell
        Cell size in metres.
    area_share
        Share of the study region's cells flagged as hotspots, in (0, 1).
    test_until
        End of the test period (exclusive); None = just after the last record.
    region
        Study region, see :func:`study_region`.

    Returns
    -------
    EvaluationResult
        PAI and hit rate of every method and of the oracle ceiling.

    Raises
    ------
    IncidentError
        When the periods are empty or the parameters are out of range.
    """
    t0 = time.perf_counter()
    if not (cell > 0):
        msg = f"Cell size must be positive, got {cell}."
        raise IncidentError(msg)
    if not (0 < area_share < 1):
        msg = f"Area share must be between 0 and 1, got {area_share}."
        raise IncidentError(msg)
    cut: np.datetime64 = np.datetime64(pd.Timestamp(train_until).to_datetime64(), "ns")
    end: np.datetime64 = (
        np.datetime64(points.time.max(), "ns") + np.timedelta64(1, "h")
        if test_until is None
        else np.datetime64(pd.Timestamp(test_until).to_datetime64(), "ns")
    )
    start: np.datetime64 = np.datetime64(points.time.min(), "ns")
    train = points.time < cut
    test = (points.time >= cut) & (points.time < end)
    if train.sum() == 0 or test.sum() == 0:
        msg = f"Training before {train_until} and testing after it both need incidents."
        raise IncidentError(msg)
    grid = make_grid(points, train, cell)
    full = _window(points, grid, start, cut)
    test_days = float((end - cut) / np.timedelta64(1, "D"))
    train_days = full.days
    mask = study_region(grid.counts(full.cells), kind=region)
    actual = grid.counts(grid.index(points.x[test], points.y[test]))[mask]
    n_test = int(test.sum())

    # Validation split inside the training period.
    val_days = min(test_days, train_days / 3.0)
    vcut: np.datetime64 = cut - np.timedelta64(int(val_days * 86400), "s")
    vhist = _window(points, grid, start, vcut)
    vmask = study_region(grid.counts(vhist.cells), kind=region)
    vtest = (points.time >= vcut) & train
    vtarget = grid.counts(grid.index(points.x[vtest], points.y[vtest]))
    vactual = vtarget[vmask]

    def pai(score: Any, act: NDArray[np.float64], m: Any) -> tuple[float, float]:
        return hit_rate_at(score[m], act, area_share)

    weights = _category_weights(grid, vhist, vtarget, vmask)
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    for hl in HALF_LIVES:
        base, f, w, near = (c[vmask] for c in _components(grid, vhist, hl, weights))
        for fine in FINE_MIX:
            for wide in WIDE_MIX:
                for nr in NEAR_REPEAT_MIX:
                    p = {"half_life": hl, "fine": fine, "wide": wide, "near_repeat": nr}
                    s = base + fine * f + wide * w + nr * near
                    v = hit_rate_at(s, vactual, area_share)[0]
                    if v > best[0] + 1e-9:
                        best = (v, p)
    params = best[1]
    ours = forecast_surface(grid, full, weights=weights, **params)

    kde_best = (-1.0, KDE_BANDWIDTHS[0])
    vcounts = grid.counts(vhist.cells)
    for bw in KDE_BANDWIDTHS:
        v = pai(gaussian_filter(vcounts, bw), vactual, vmask)[0]
        if v > kde_best[0] + 1e-9:
            kde_best = (v, bw)
    kde = gaussian_filter(grid.counts(full.cells), kde_best[1])

    last_start: np.datetime64 = cut - np.timedelta64(int(test_days * 86400), "s")
    last = grid.counts(_window(points, grid, max(last_start, start), cut).cells)

    methods = []
    shown: dict[str, Any] = {
        k: ("inf" if isinstance(v, float) and math.isinf(v) else v) for k, v in params.items()
    }
    shown["validation_pai"] = round(best[0], 4)
    shown["category_weights"] = {k: round(v, 3) for k, v in weights.items()}
    for name, score, extra in (
        ("forecast", ours, shown),
        ("last_period", last, {"days": round(min(test_days, train_days), 2)}),
        ("kde", kde, {"bandwidth_m": kde_best[1] * cell}),
    ):
        pai_m, hit_m = pai(score, actual, mask)
        methods.append(MethodScore(name, pai_m, hit_m, extra))
    ref_pai, ref_hit = pai(grid.counts(full.cells), actual, mask)
    op, oh = hit_rate_at(actual, actual, area_share)
    result = EvaluationResult(
        cell=cell,
        area_share=area_share,
        train_until=str(pd.Timestamp(cut)),
        test_until=str(pd.Timestamp(end)),
        n_train=int(train.sum()),
        n_test=n_test,
        n_test_in_region=int(actual.sum()),
        n_dropped=points.dropped,
        region=region,
        region_cells=int(mask.sum()),
        selected_cells=area_share * int(mask.sum()),
        validation_days=round(val_days, 2),
        methods=tuple(methods),
        references=(MethodScore("all_counts", ref_pai, ref_hit),),
        oracle=MethodScore("oracle", op, oh),
        runtime=time.perf_counter() - t0,
        crs=points.crs,
    )
    logger.info("forecast evaluation: %s", result.to_dict())
    return result
