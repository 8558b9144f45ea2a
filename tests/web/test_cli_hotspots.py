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
    """Tests that `hotspots evaluate --json` prints one row per unit and area share."""
    f = _write_points(tmp_path / "inc.csv")
    res = CliRunner().invoke(
        cli,
        [
            "hotspots", "evaluate", "--incidents", str(f), "--train-until", "2021-07-01",
            "--area", "0.01", "0.05", "0.10", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [(r["unit"], r["area"]) for r in data["rows"]] == [
        ("cell", 0.01),
        ("cell", 0.05),
        ("cell", 0.1),
    ]
    for row in data["rows"]:
        assert set(row["pai"]) == {"forecast", "counts_all", "counts_last", "kde", "oracle"}
        assert set(row["pei"]) == set(row["pai"])
        assert row["pai"]["forecast"] > 1
    assert data["cell_m"] == 250
    assert len(data["rolling"]) == 3


def test_evaluate_maps_columns_and_time_zone(tmp_path):
    """Tests that --map and --tz read a file that the defaults refuse, in one line."""
    f = _write_points(tmp_path / "inc.csv")
    df = pd.read_csv(f).rename(columns={"time": "date_single", "lon": "longitude"})
    df["latitude"] = df.pop("lat")
    df["date_single"] = df["date_single"] + "+00:00"
    g = tmp_path / "other.csv"
    df.to_csv(g, index=False)
    base = ["hotspots", "evaluate", "--incidents", str(g), "--train-until", "2021-07-01"]
    res = CliRunner().invoke(cli, [*base, "--json"])
    assert res.exit_code == 2
    assert "no column for the time; name it with --map column=time" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(
        cli,
        [*base, "--map", "date_single=time", "--tz", "Asia/Shanghai", "--area", "0.05", "--json"],
    )
    assert res.exit_code == 0, res.output
    assert [r["area"] for r in json.loads(res.output)["rows"]] == [0.05]
    bad = CliRunner().invoke(cli, [*base, "--map", "date_single=when"])
    assert bad.exit_code == 2 and "names unknown field 'when'" in bad.output


def test_evaluate_default_district_reports_segments():
    """Tests that the default district's incidents give cell and street-segment rows."""
    res = CliRunner().invoke(
        cli, ["hotspots", "evaluate", "--train-until", "2026-09-01", "--area", "0.05", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [r["unit"] for r in data["rows"]] == ["cell", "segment"]
    assert data["models"]["segment"]["test_incidents_in_units"] > 100
    # The street risk plans use now is shown beside the maps, on the same segments.
    plan = data["rows"][1]["context"]["plan_risk"]
    assert 0 < plan["pei"] <= 1 and plan["pai"] > 1
    assert "context" not in data["rows"][0]
    text = CliRunner().invoke(cli, ["hotspots", "evaluate", "--train-until", "2026-09-01"])
    assert text.exit_code == 0 and "segment:" in text.output


def test_evaluate_on_an_osm_street_network(shared_dir):
    """Tests that --osm scores the streets of an OSM file, here the default district's source."""
    from geodata.bundle import DEFAULT_DISTRICT_DIR

    res = CliRunner().invoke(
        cli,
        [
            "hotspots", "evaluate", "--incidents", str(DEFAULT_DISTRICT_DIR / "incidents.csv"),
            "--tz", "Asia/Shanghai", "--osm", str(shared_dir / "data/osm/nanjing_xinjiekou.osm"),
            "--train-until", "2026-09-01", "--area", "0.05", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [r["unit"] for r in data["rows"]] == ["cell", "segment"]
    assert data["models"]["segment"]["units"] > 500


def test_evaluate_bad_date_is_one_line(tmp_path):
    """Tests that a bad --train-until is reported in one line with exit code 2."""
    f = _write_points(tmp_path / "inc.csv")
    res = CliRunner().invoke(
        cli, ["hotspots", "evaluate", "--incidents", str(f), "--train-until", "July"]
    )
    assert res.exit_code == 2
    assert "--train-until 'July'" in res.output
    assert "Traceback" not in res.output


def test_evaluate_stray_argument_is_refused(tmp_path):
    """Tests that a word after --area that is no number is refused as a usage error."""
    f = _write_points(tmp_path / "inc.csv")
    res = CliRunner().invoke(
        cli,
        ["hotspots", "evaluate", "--incidents", str(f), "--train-until", "2021-07-01",
         "--area", "0.05", "lots"],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "Unexpected argument 'lots'" in res.output


def test_hotspots_show_names_the_alley():
    """Tests that `hotspots show --json` lists the default district's theft-prone alley."""
    from geodata.bundle import read_manifest

    res = CliRunner().invoke(cli, ["hotspots", "show", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    alley = read_manifest(None)["hotspot_alley"]["street_id"]
    streets = [h["id"] for h in data["hotspots"] if h["kind"] == "street"]
    assert alley in streets
    text = CliRunner().invoke(cli, ["hotspots", "show", "--date", "2026-07-15"])
    assert text.exit_code == 0 and "(named hotspot)" in text.output


def _copy_default(tmp_path):
    import shutil

    from geodata.bundle import DEFAULT_DISTRICT_DIR

    target = tmp_path / "xjk"
    shutil.copytree(DEFAULT_DISTRICT_DIR, target)
    return target


def test_incidents_import_adds_and_reports(tmp_path, data_dir):
    """Tests that `incidents import` stores good rows and lists bad ones with line numbers."""
    from geodata.bundle import load_district

    folder = _copy_default(tmp_path)
    before = len(load_district(folder).incidents)
    res = CliRunner().invoke(
        cli,
        ["incidents", "import", str(data_dir / "incidents" / "some_bad.csv"), "--district",
         str(folder)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "line 3: time 'yesterday'" in res.output
    assert "imported 13 of 16 records; 3 refused." in res.output
    assert len(load_district(folder).incidents) == before + 13


def test_incidents_import_refused_file_changes_nothing(tmp_path, data_dir):
    """Tests that a refused file exits 2 in one line and leaves incidents.csv unchanged."""
    folder = _copy_default(tmp_path)
    before = (folder / "incidents.csv").read_bytes()
    for args in (
        [str(data_dir / "incidents" / "mostly_bad.csv")],
        [str(data_dir / "incidents" / "good_zh.csv"), "--map", "发案时间=when"],
        [str(data_dir / "incidents" / "good_zh.csv"), "--tz", "Mars/Base"],
    ):
        res = CliRunner().invoke(cli, ["incidents", "import", *args, "--district", str(folder)])
        assert res.exit_code == 2, res.output
        assert res.output.startswith("Error: ") and res.output.count("\n") == 1
    assert (folder / "incidents.csv").read_bytes() == before


def test_hotspots_show_pin_and_weight():
    """Tests that --pin makes a grid a hotspot and --weight 0 drops an area from the list."""
    base = json.loads(CliRunner().invoke(cli, ["hotspots", "show", "--json"]).output)
    top_area = next(h["id"] for h in base["hotspots"] if h["kind"] == "area")
    grids = {h["id"] for h in base["hotspots"] if h["kind"] == "grid"}
    calm = "G01" if "G01" not in grids else "G17"
    res = CliRunner().invoke(
        cli, ["hotspots", "show", "--json", "--pin", calm, "--weight", f"{top_area}=0"]
    )
    assert res.exit_code == 0, res.output
    hot = {(h["kind"], h["id"]): h for h in json.loads(res.output)["hotspots"]}
    assert hot[("grid", calm)]["pinned"]
    assert ("area", top_area) not in hot
    bad = CliRunner().invoke(cli, ["hotspots", "show", "--pin", "nowhere"])
    assert bad.exit_code == 2 and "unknown place id 'nowhere'" in bad.output
