"""Tests of the TOPTW benchmark reader, exact truncation and command line."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from bench.toptw import check_case, main, read_instance, truncated_matrix
from planner.exceptions import ProblemError


def test_distances_are_truncated_exactly(data_dir):
    """Tests truncation to one decimal: sqrt(0.98) = 0.98995 gives 0.9, i.e. 9 units."""
    inst = read_instance(data_dir / "routing" / "tiny_toptw.txt")
    assert inst.matrix[0, 1] == 50  # 3-4-5 triangle: exactly 5.0
    assert inst.matrix[0, 3] == 9
    assert inst.matrix[1, 2] == 60
    assert inst.service[1] == 10 and inst.close[0] == 1000


def test_exact_truncation_where_floating_point_rounds_down():
    """Tests a pair whose float distance is one unit short but whose exact value is not."""
    # 0.1 * 3 = 0.30000000000000004 in floats; the exact distance 0.3 must give 3 tenths,
    # and 4.35 - 0.0 times 100 must give 435 hundredths, not 434.
    coords = [(Fraction(0), Fraction(0)), (Fraction(3, 10), Fraction(0))]
    assert truncated_matrix(coords, 1)[0, 1] == 3
    coords = [(Fraction(0), Fraction(0)), (Fraction(435, 100), Fraction(0))]
    assert truncated_matrix(coords, 2)[0, 1] == 435
    assert int(4.35 * 100) == 434  # what plain floating point would have said


def test_command_line_writes_validated_routes(data_dir, tmp_path):
    """Tests the CLI on a tiny instance: best score 35, far vertex 4 unreachable."""
    out = tmp_path / "routes.json"
    path = data_dir / "routing" / "tiny_toptw.txt"
    code = main([str(path), "--m", "1", "--seconds", "2", "--out", str(out)])
    assert code == 0
    case = json.loads(out.read_text())["cases"][0]
    assert case["m"] == 1 and case["score"] == 35
    assert sorted(case["routes"][0]) == [1, 2, 3]
    assert check_case(read_instance(path), 1, case["routes"])[0] == 35


def test_validator_rejects_an_overlong_route(data_dir):
    """Tests that a route to the unreachable vertex is reported, not scored silently."""
    inst = read_instance(data_dir / "routing" / "tiny_toptw.txt")
    _score, problems = check_case(inst, 1, [[4]])
    assert problems and "after its shift ends" in problems[0]


def test_truncated_file_is_refused(tmp_path):
    """Tests that a file ending early gets one sentence naming it."""
    bad = tmp_path / "bad.txt"
    bad.write_text("4 2 4 1\n0 200\n 0 0.0 0.0 0 0 0 0 0\n")
    with pytest.raises(ProblemError, match="ends early"):
        read_instance(bad)


def test_public_instance_reaches_its_reference(shared_dir, tmp_path):
    """Tests c101 with two routes for 3 s against its reference score of 590."""
    path = shared_dir / "bench" / "toptw" / "solomon_100" / "c101.txt"
    out = tmp_path / "routes.json"
    assert main([str(path), "--m", "2", "--seconds", "3", "--out", str(out)]) == 0
    case = json.loads(out.read_text())["cases"][0]
    assert case["valid"]
    assert case["score"] >= 0.97 * 590
