"""The hotspot forecast: recency-weighted counts, repeat days and kernel smoothing per unit.

Design note. On the Houston 2010 records (250 m cells) plain all-time counts of the training
period are the best naive map, and smoothing, near-repeat terms, recency and category weights
move the PAI by a few hundredths at most, in either direction; on sparser data a kernel
density does better than counts. The forecast is therefore a family that contains every naive
map — counts of the whole training period, counts of its last stretch (``window_days``) and
the kernel density (``prior_days = inf``) — and the mixtures between them. The kernel density
enters as a gamma prior of ``prior_days`` days of data, so its weight falls as the history
grows (rolling splits inside the training period have shorter histories than the final
forecast, and a fixed mixing weight chosen on them over-smooths it). Two more terms: a recency
half-life, and the number of distinct days with an incident in the unit (a place with
incidents on many days is a steadier hotspot than one whose records come from one event).
:mod:`planner.hotspots.forecast_evaluation` chooses the member on those rolling splits and
leaves the best naive map only for a member that is at least as good on every rolling row and gains
across the map.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from planner.hotspots.spatial_units import Units

HALF_LIVES = (math.inf, 240.0, 120.0)
"""Candidate recency half-lives in days (inf = no decay)."""

DAYS_MIX = (0.0, 0.5, 1.0)
"""Candidate weights of the distinct-days term."""

PRIOR_DAYS = (5.0, 15.0, 45.0, 135.0, math.inf)
"""Candidate strengths, in days of data, of the kernel-smoothed prior (inf = the KDE alone)."""


@dataclass(frozen=True, slots=True)
class ForecastParams:
    """Hyperparameters of :func:`forecast_scores` (see the module's design note).

    Attributes
    ----------
    half_life
        Recency half-life in days; ``math.inf`` for none.
    days_mix
        Weight of the distinct-days term (each term is normalised to sum 1).
    prior_days
        Strength of the smoothed counts as a prior, in days of data: with ``T`` days of
        history the smoothed counts (bandwidth ``bandwidth_m``) get the share
        ``prior_days / (T + prior_days)`` (the posterior mean of a Poisson rate under a gamma
        prior of that many days), so the longer the history, the less it is smoothed; 0 for
        none, ``math.inf`` for the kernel density alone.
    bandwidth_m
        Gaussian kernel bandwidth of the smoothed term, in metres.
    window_days
        Use only the last this many days of the history; None for all of it.
    """

    half_life: float = math.inf
    days_mix: float = 0.0
    prior_days: float = 0.0
    bandwidth_m: float = 0.0
    window_days: float | None = None

    def __post_init__(self) -> None:
        if not self.half_life > 0 or self.days_mix < 0 or not self.prior_days >= 0:
            msg = "Expected half_life > 0, days_mix >= 0 and prior_days >= 0."
            raise ValueError(msg)
        if self.prior_days > 0 and not self.bandwidth_m > 0:
            msg = "Expected bandwidth_m > 0 when prior_days > 0."
            raise ValueError(msg)
        if self.window_days is not None and not self.window_days > 0:
            msg = "Expected window_days > 0."
            raise ValueError(msg)

    def to_dict(self) -> dict[str, float | str | None]:
        """Return the parameters for JSON (an infinite half-life as ``"inf"``)."""
        return {
            "half_life_days": "inf" if math.isinf(self.half_life) else self.half_life,
            "days_mix": self.days_mix,
            "prior_days": "inf" if math.isinf(self.prior_days) else self.prior_days,
            "bandwidth_m": self.bandwidth_m,
            "window_days": self.window_days,
        }


def candidates(bandwidths_m: Sequence[float]) -> tuple[ForecastParams, ...]:
    """Return the hyperparameters tried, plain all-time counts first."""
    out = []
    for h, d in itertools.product(HALF_LIVES, DAYS_MIX):
        out.append(ForecastParams(h, d))
        for s, bw in itertools.product(PRIOR_DAYS, bandwidths_m):
            out.append(ForecastParams(h, d, s, bw))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class History:
    """Training incidents as the forecast sees them.

    Attributes
    ----------
    unit
        Unit index of each incident (-1 = in no unit; ignored).
    age_days
        Age of each incident at the forecast time, in days.
    day
        Local calendar day of each incident (days since the epoch).
    days
        Length of the history in days.
    """

    unit: NDArray[np.int64]
    age_days: NDArray[np.float64]
    day: NDArray[np.int64]
    days: float


def _normalised(v: NDArray[np.float64]) -> NDArray[np.float64]:
    total = float(v.sum())
    return v / total if total > 0 else v


class Components:
    """The normalised terms of the forecast for one history, computed once and reused."""

    def __init__(self, units: Units, history: History) -> None:
        self.units = units
        self.history = history
        self.n = len(units.measure)
        self._cache: dict[tuple[object, ...], NDArray[np.float64]] = {}

    def counts(self, half_life: float, window_days: float | None) -> NDArray[np.float64]:
        """Return the recency-weighted counts per unit, normalised."""
        key = ("counts", half_life, window_days)
        if key not in self._cache:
            h = self.history
            ok = h.unit >= 0
            if window_days is not None:
                ok &= h.age_days <= window_days
            w = None if math.isinf(half_life) else 0.5 ** (h.age_days[ok] / half_life)
            raw = np.bincount(h.unit[ok], weights=w, minlength=self.n).astype(np.float64)
            self._cache[key] = _normalised(raw)
        return self._cache[key]

    def smoothed(
        self, half_life: float, window_days: float | None, bandwidth_m: float
    ) -> NDArray[np.float64]:
        """Return the counts smoothed by a Gaussian kernel, normalised."""
        key = ("smooth", half_life, window_days, bandwidth_m)
        if key not in self._cache:
            counts = self.counts(half_life, window_days)
            self._cache[key] = _normalised(self.units.smooth(counts, bandwidth_m))
        return self._cache[key]

    def days(self, window_days: float | None) -> NDArray[np.float64]:
        """Return the distinct days with an incident per unit, normalised."""
        key = ("days", window_days)
        if key not in self._cache:
            h = self.history
            ok = h.unit >= 0
            if window_days is not None:
                ok &= h.age_days <= window_days
            pairs = np.unique(np.stack([h.unit[ok], h.day[ok]]), axis=1)
            raw = np.bincount(pairs[0], minlength=self.n).astype(np.float64)
            self._cache[key] = _normalised(raw)
        return self._cache[key]

    def score(self, params: ForecastParams) -> NDArray[np.float64]:
        """Return the forecast of ``params`` per unit."""
        hl, win = params.half_life, params.window_days
        if math.isinf(params.prior_days):
            share = 1.0
        else:
            length = min(self.history.days, win) if win is not None else self.history.days
            share = params.prior_days / (length + params.prior_days)
        score = self.counts(hl, win) * (1.0 - share)
        if share > 0:
            score = score + share * self.smoothed(hl, win, params.bandwidth_m)
        if params.days_mix > 0:
            score = score + params.days_mix * self.days(win)
        return score


def forecast_scores(units: Units, history: History, params: ForecastParams) -> NDArray[np.float64]:
    """Return the forecast per unit: its expected share of the next period's incidents.

    Parameters
    ----------
    units
        The units scored.
    history
        The training incidents.
    params
        The hyperparameters.

    Returns
    -------
    numpy.ndarray
        One non-negative score per unit (not divided by the unit's measure).
    """
    return Components(units, history).score(params)
