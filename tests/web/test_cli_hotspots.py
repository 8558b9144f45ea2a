"""Tests of the `patrol hotspots` and `patrol incidents` commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from click.testing import CliRunner

from web.cli import cli


def _write_points(path, *, seed: int = 5):
    """One hotspot plus background noise over 8 months of 2021."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in pd.date_range("2021-01-01", "2021-08-31", freq="D"):
        for _ in range(rng.poisson(2.0)):
            rows.append((day, 118.78 + rng.normal(0, 3e-4), 32.04 + rng.normal(0, 3e-4)))
        rows.append((day, rng.uniform(118.77, 118.80), rng.uniform(32.03, 32.06)))
    df = pd.DataFrame(rows, columns=["day", "lon", "lat"])
    df["time"] = (df["day"] + pd.Timedelta(hours=9)).dt.strftime("%Y-%m-%d %H:%M")
    df[["time", "lon", "lat"]].to_csv(path, index=False)
    return path


def test_evaluate_prints_json(tmp_path):
    """Tests that `hotspots evaluate --json` prints PAI and hit rate of all three methods."""
    f = _write_points(tmp_path / "inc.csv")
    res = CliRunner().invoke(
        cli,
        ["hotspots", "evaluate", "--incidents", str(f), "--train-until", "2021-07-01", "--json"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data["methods"]) == {"forecast", "last_period", "kde"}
    assert data["cell_m"] == 250 and data["area_share"] == 0.05
    assert data["methods"]["forecast"]["pai"] > 1


def test_evaluate_bad_date_is_one_line(tmp_path):
    """Tests that a bad --train-until is reported in one line with exit code 2."""
    f = _write_points(tmp_path / "inc.csv")
    res = CliRunner().invoke(
        cli, ["hotspots", "evaluate", "--incidents", str(f), "--train-until", "July"]
    )
    assert res.exit_code == 2
    assert "--train-until 'July'" in res.output
    assert "Traceback" not in res.output
