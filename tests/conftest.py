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
