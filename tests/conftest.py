"""Shared fixtures: the repository's paths and the optional ../shared folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("PATROL_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder with large data and benchmarks; skip the test when it is absent."""
    if not (SHARED / "README.md").is_file():
        pytest.skip(f"needs the shared data folder, not found at {SHARED} (set PATROL_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of tiny hand-checkable test fixtures."""
    return DATA


@pytest.fixture(scope="session")
def small_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-day plan of the default district written by `patrol plan`, made once per session.

    Monday 7 December 2026 (a school day) with tests/data/pipeline/rules_two_day_groups.toml:
    two groups on the day shift, one at night; seed 3, 8 s of solving in all.
    """
    from click.testing import CliRunner

    from web.cli import cli

    out = tmp_path_factory.mktemp("small_plan") / "plan"
    rules = DATA / "pipeline" / "rules_two_day_groups.toml"
    args = ["plan", "--start", "2026-12-07", "--days", "1", "--out", str(out)]
    args += ["--rules", str(rules), "--seed", "3", "--time-limit", "8"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out
