"""Tests of `patrol city plan` without a broker and of `patrol worker`'s refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)

import pytest
from click.testing import CliRunner

from geodata.bundle import DEFAULT_DISTRICT_DIR
from web.cli import cli


def _copy_district(folder: Path, ident: str) -> Path:
    folder.mkdir(parents=True)
    for entry in DEFAULT_DISTRICT_DIR.iterdir():
        if entry.is_file():
            shutil.copy2(entry, folder / entry.name)
    manifest = folder / "manifest.toml"
    kept = [x for x in manifest.read_text(encoding="utf-8").splitlines() if not x.startswith("id")]
    manifest.write_text(f'id = "{ident}"\n' + "\n".join(kept) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    for name in ("PATROL_BROKER_URL", "PATROL_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return {"PATROL_INSTANCE": str(tmp_path / "instance")}


def _run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.slow
def test_city_plan_without_a_broker_plans_each_district_in_process(tmp_path, env) -> None:
    """Tests that without PATROL_BROKER_URL two districts are planned in this process and each
    one's outputs land in OUT/<district id>/, where `patrol validate` passes them (with and
    without --district)."""
    north = _copy_district(tmp_path / "n", "north")
    south = _copy_district(tmp_path / "s", "south")
    out = tmp_path / "out"
    result = _run(env, "city", "plan", "--districts", str(north), str(south), "--start",
                  "2026-12-07", "--days", "1", "--time-limit", "2", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Planning 2 districts in this process (jobs 1-2)." in result.output
    assert "2 of 2 districts planned into" in result.output
    for ident, folder in (("north", north), ("south", south)):
        for name in ("plan.json", "roster.csv", "map.html", "route_sheets.pdf", "inputs"):
            assert (out / ident / name).exists(), name
        plan = json.loads((out / ident / "plan.json").read_text(encoding="utf-8"))
        assert (plan["district"]["id"], plan["start"], plan["days"]) == (ident, "2026-12-07", 1)
        checked = _run(env, "validate", str(out / ident / "plan.json"), "--district", str(folder))
        assert checked.exit_code == 0, checked.output
        # the plan records the bundle it was submitted from, not the worker's scratch copy
        assert plan["district"]["folder"] == str(folder.resolve())
        alone = _run(env, "validate", str(out / ident / "plan.json"))
        assert alone.exit_code == 0, alone.output

    overview = _run(env, "city", "overview", "--on", "2026-12-07", "--json")
    assert overview.exit_code == 0, overview.output
    rows = json.loads(overview.output)
    # the plans are drafts until a captain publishes them: none is in force yet
    assert [(r["district"], r["plan"], r["state"], r["in_force"]) for r in rows] == [
        ("north", 1, "draft", False), ("south", 2, "draft", False)
    ]  # fmt: skip
    for row in rows:
        plan = json.loads((out / row["district"] / "plan.json").read_text(encoding="utf-8"))
        figures = {f["key"]: f for f in plan["quality"]["figures"]}
        gates = figures["gate_windows_covered"]
        assert (row["gate_windows_covered"], row["gate_windows"]) == (gates["value"], gates["of"])
        assert row["alley_km_share"] == figures["alley_km_share_day_mean"]["value"]
        areas = [c for c in plan["coverage"] if c["level"] == "area" and c["needed_minutes"] > 0]
        assert row["areas_with_dose"] == len(areas) > 0
    later = _run(env, "city", "overview", "--on", "2026-12-20")
    assert later.output.splitlines()[1].endswith("(draft)")


def test_city_plan_refuses_bad_districts_in_one_sentence(tmp_path, env) -> None:
    """Tests that a folder that is no bundle, or one district given twice, is refused in one
    line naming it, before anything is queued."""
    north = _copy_district(tmp_path / "n", "north")
    again = _copy_district(tmp_path / "n2", "north")
    cases = [
        # a folder without a manifest
        ((str(tmp_path / "nowhere"),), f"Error: {tmp_path / 'nowhere'} is not a district bundle "
                                       "folder (it has no manifest.toml).\n"),
        # the same district id twice
        ((str(north), str(again)), f"Error: {again} and {north} are both district 'north'; "
                                   "give each once.\n"),
    ]  # fmt: skip
    for folders, message in cases:
        result = CliRunner().invoke(
            cli,
            ["city", "plan", "--districts", *folders, "--start", "2026-12-07", "--days", "1",
             "--out", str(tmp_path / "out")],
            env=env,
        )  # fmt: skip
        assert result.exit_code == 2
        assert result.stderr == message
    bad_date = CliRunner().invoke(
        cli,
        ["city", "plan", "--districts", str(north), "--start", "7 Dec", "--days", "1",
         "--out", str(tmp_path / "out")],
        env=env,
    )  # fmt: skip
    assert bad_date.exit_code == 2
    assert bad_date.stderr == "Error: --start must be a date like 2026-12-07, not '7 Dec'.\n"


def test_worker_needs_a_broker(env) -> None:
    """Tests that `patrol worker` without PATROL_BROKER_URL says what to set, in one line."""
    result = CliRunner().invoke(cli, ["worker"], env=env)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: patrol worker needs a broker: set PATROL_BROKER_URL, "
        "e.g. redis://127.0.0.1:6379/0.\n"
    )
