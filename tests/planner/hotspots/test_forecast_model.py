"""Tests of the forecast family: counts, distinct days, smoothing, recency and windows."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from planner.hotspots.forecast_model import ForecastParams, History, candidates, forecast_scores
from planner.hotspots.incident_points import Grid
from planner.hotspots.spatial_units import CellUnits


def _units() -> CellUnits:
    return CellUnits(Grid(0.0, 0.0, 3, 1, 100.0), np.ones(3, dtype=bool))


def _history() -> History:
    # Unit 0: 4 incidents on one day, 60 days ago; unit 1: 3 incidents on 3 days, recent.
    return History(
        unit=np.array([0, 0, 0, 0, 1, 1, 1]),
        age_days=np.array([60.0, 60, 60, 60, 1, 2, 3]),
        day=np.array([10, 10, 10, 10, 68, 69, 70]),
        days=90.0,
    )


def test_plain_counts_are_the_first_candidate():
    """Tests that the first candidate is plain all-time counts (it wins ties)."""
    first = candidates((50.0,))[0]
    assert first == ForecastParams()
    s = forecast_scores(_units(), _history(), first)
    assert s == pytest.approx([4 / 7, 3 / 7, 0.0])


def test_distinct_days_favour_steady_places():
    """Tests that the distinct-days term ranks a unit with incidents on many days higher."""
    s = forecast_scores(_units(), _history(), ForecastParams(days_mix=1.0))
    # counts 4/7, 3/7 plus days 1/4, 3/4.
    assert s == pytest.approx([4 / 7 + 1 / 4, 3 / 7 + 3 / 4, 0.0])


def test_half_life_and_window_weight_recent_incidents():
    """Tests that a recency half-life and a window count the recent unit more."""
    s = forecast_scores(_units(), _history(), ForecastParams(half_life=30.0))
    w0, w1 = 4 * 0.25, sum(0.5 ** (a / 30) for a in (1, 2, 3))
    assert s == pytest.approx([w0 / (w0 + w1), w1 / (w0 + w1), 0.0])
    last = forecast_scores(_units(), _history(), ForecastParams(window_days=30.0))
    assert last == pytest.approx([0.0, 1.0, 0.0])


def test_infinite_prior_is_the_kernel_density():
    """Tests that prior_days = inf gives the kernel density, which reaches the empty cell."""
    s = forecast_scores(
        _units(), _history(), ForecastParams(prior_days=math.inf, bandwidth_m=100.0)
    )
    assert s.sum() == pytest.approx(1.0)
    assert s[2] > 0


def test_prior_weight_falls_as_the_history_grows():
    """Tests that the smoothed prior gets the share prior_days / (history days + prior_days)."""
    units, h = _units(), _history()
    params = ForecastParams(prior_days=30.0, bandwidth_m=100.0)
    counts = forecast_scores(units, h, ForecastParams())
    kde = forecast_scores(units, h, ForecastParams(prior_days=math.inf, bandwidth_m=100.0))
    # 90 days of history: a quarter smoothed.
    assert forecast_scores(units, h, params) == pytest.approx(0.75 * counts + 0.25 * kde)
    longer = dataclasses.replace(h, days=270.0)
    assert forecast_scores(units, longer, params) == pytest.approx(0.9 * counts + 0.1 * kde)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"half_life": 0.0}, "Expected half_life > 0"),  # no decay is inf, not 0
        ({"prior_days": -1.0}, "prior_days >= 0"),  # a negative amount of data
        ({"prior_days": 5.0}, "Expected bandwidth_m > 0"),  # smoothing without a bandwidth
        ({"window_days": -1.0}, "Expected window_days > 0"),  # a window in the future
    ],
)
def test_bad_params_are_refused(kwargs, message):
    """Tests that impossible hyperparameters raise ValueError with a short message."""
    with pytest.raises(ValueError, match=message):
        ForecastParams(**kwargs)


def test_params_are_json_ready():
    """Tests that an infinite half-life is written as "inf"."""
    assert ForecastParams(math.inf).to_dict()["half_life_days"] == "inf"
