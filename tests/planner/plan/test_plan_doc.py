"""Tests of the plan document: round trip, schema checks and error messages."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import TYPE_CHECKING

import pytest

from planner.exceptions import ProblemError
from planner.plan.document import (
    SCHEMA_VERSION,
    PlanDocument,
    ShiftTemplate,
    Stop,
    clock,
    fingerprint_files,
    read_plan,
    write_plan,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> dict:
    return json.loads((data_dir / "plan" / "plan.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def doc(data_dir: Path) -> PlanDocument:
    return read_plan(data_dir / "plan" / "plan.json")


def test_fixture_reads_as_written(doc: PlanDocument) -> None:
    """Tests that the hand-made fixture loads with its groups, routes and stops."""
    assert doc.schema_version == SCHEMA_VERSION
    assert doc.district.name_zh == "新街口"
    assert [g.id for g in doc.roster.groups] == ["g1", "g2"]
    assert doc.roster.schedule["g2"] == (None, "N")
    assert [r.id for r in doc.routes] == ["g1-2026-09-30-D", "g2-2026-10-01-N"]
    assert [len(r.stops) for r in doc.routes] == [5, 5]
    alley = doc.routes[0].stops[3]
    assert alley.kind == "alley" and alley.end_lon is not None
    assert doc.routes[0].stops[1].windows == ((27600, 30600),)
    assert isinstance(doc.routes[0].stops[1].leg[0], tuple)


def test_round_trip_is_equal(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that to_json then from_json, and write_plan then read_plan, give an equal plan."""
    again = PlanDocument.from_json(doc.to_json())
    assert again == doc
    path = write_plan(doc, tmp_path)
    assert path.name == "plan.json"
    assert read_plan(path) == doc
    # Chinese text is written as it is, not as \u escapes.
    assert "新街口警务室" in path.read_text(encoding="utf-8")


def test_constructors_accept_lists() -> None:
    """Tests that records built from plain lists hold tuples and compare equal to decoded ones."""
    stop = Stop(
        site_id="a", area_id=None, name="x", category="bank", kind="visit", lon=118.78,
        lat=32.04, arrival=10, start=10, departure=20, dwell=10,
        windows=[[0, 100]], leg=[[118.0, 32.0], [118.1, 32.1]],
    )  # fmt: skip
    assert stop.windows == ((0, 100),)
    assert stop.leg == ((118.0, 32.0), (118.1, 32.1))


def test_shift_crossing_midnight() -> None:
    """Tests that a 20:00-08:00 shift crosses midnight and lasts 12 hours."""
    night = ShiftTemplate("N", "Night", "夜班", 1200, 480, night=True)
    day = ShiftTemplate("D", "Day", "白班", 480, 1200)
    assert night.crosses_midnight and not day.crosses_midnight
    assert night.duration_minutes == day.duration_minutes == 720
    assert night.hours_label() == "20:00-08:00"


def test_clock() -> None:
    """Tests that seconds past midnight print as local times, marked on the next day."""
    assert clock(79200) == "22:00"
    assert clock(86400 + 6 * 3600) == "06:00+1"


def test_fingerprint_files(tmp_path: Path) -> None:
    """Tests that fingerprints are the sha256 of the file contents."""
    f = tmp_path / "rules.toml"
    f.write_bytes(b"abc")
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert fingerprint_files({"rules.toml": f}) == {"rules.toml": digest}


def _broken(raw: dict, edit) -> dict:
    data = copy.deepcopy(raw)
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # A required field of a nested record is missing.
        (
            lambda d: d["routes"][1]["stops"][2].pop("arrival"),
            r"plan\.json: routes\[1\]\.stops\[2\]\.arrival is missing\.",
        ),
        # A number where text is expected.
        (
            lambda d: d["roster"]["groups"][0].__setitem__("name", 5),
            r"roster\.groups\[0\]\.name must be a text, not the number 5\.",
        ),
        # A float where whole seconds are expected.
        (
            lambda d: d["routes"][0]["stops"][1].__setitem__("dwell", 1.5),
            r"routes\[0\]\.stops\[1\]\.dwell must be a whole number",
        ),
        # A newer schema version.
        (lambda d: d.__setitem__("schema_version", 99), r"schema_version is 99"),
        # A schedule that does not cover every day.
        (
            lambda d: d["roster"]["schedule"].__setitem__("g1", ["D"]),
            r"roster\.schedule\['g1'\] must have one entry per day \(2\), not 1\.",
        ),
        # A route of an unknown shift.
        (
            lambda d: d["routes"][0].__setitem__("shift_id", "X"),
            r"routes\[0\]\.shift_id names the unknown shift 'X'\.",
        ),
        # A stop reached before the previous one is left.
        (
            lambda d: d["routes"][0]["stops"][2].__setitem__("arrival", 28000),
            r"routes\[0\]\.stops\[2\]\.arrival is earlier than the previous stop's departure\.",
        ),
        # A misspelt field.
        (
            lambda d: d["routes"][0].__setitem__("shfit", "D"),
            r"routes\[0\]\.shfit is not a field of the plan schema\.",
        ),
        # An unknown stop kind.
        (
            lambda d: d["routes"][0]["stops"][1].__setitem__("kind", "coffee"),
            r"routes\[0\]\.stops\[1\]\.kind must be one of",
        ),
        # A time window that is not a pair.
        (
            lambda d: d["routes"][0]["stops"][1].__setitem__("windows", [[1, 2, 3]]),
            r"routes\[0\]\.stops\[1\]\.windows\[0\] must be a list of 2 values, not 3\.",
        ),
        # A date outside the horizon.
        (
            lambda d: d["routes"][1].__setitem__("date", "2026-10-05"),
            r"routes\[1\]\.date 2026-10-05 is outside the plan's horizon\.",
        ),
        # A datetime without its offset.
        (
            lambda d: d.__setitem__("created_at", "2026-09-29T18:00:00"),
            r"created_at must carry a UTC offset",
        ),
    ],
)
def test_broken_documents_name_the_field(raw: dict, edit, message: str) -> None:
    """Tests that a broken document is rejected with one sentence naming the field path."""
    with pytest.raises(ProblemError, match=message) as info:
        PlanDocument.from_dict(_broken(raw, edit))
    text = str(info.value)
    assert text.endswith(".") and "\n" not in text


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    """Tests that bad JSON and a missing file are refused with a plain message."""
    with pytest.raises(ProblemError, match=r"plan\.json: not valid JSON at line 1"):
        PlanDocument.from_json("{nope")
    with pytest.raises(ProblemError, match="no such plan file"):
        read_plan(tmp_path / "absent.json")
    with pytest.raises(ProblemError, match="must be a JSON object, not a list"):
        PlanDocument.from_json("[]")


def test_documents_are_frozen(doc: PlanDocument) -> None:
    """Tests that plan records cannot be changed in place, only replaced."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.seed = 3  # type: ignore[misc]
    changed = dataclasses.replace(doc, seed=3)
    assert changed.seed == 3 and doc.seed == 7
