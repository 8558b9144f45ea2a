"""Tests of the rostering benchmark command on a tiny instance and on Instance1."""

from __future__ import annotations

import json

from bench.rostering import main, read_instance
from planner.checks.roster import check_roster


def test_tiny_instance_json(data_dir, tmp_path, capsys):
    """Tests that the command writes the agreed JSON and prints the validator's objective."""
    out = tmp_path / "roster.json"
    code = main([str(data_dir / "roster" / "tiny.txt"), "--seconds", "3", "--out", str(out)])
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {"instance", "objective", "assignment"}
    assert doc["instance"] == "tiny"
    assert set(doc["assignment"]) == {"A", "B", "C"}
    assert all(len(row) == 7 for row in doc["assignment"].values())
    problem = read_instance(data_dir / "roster" / "tiny.txt")
    assert check_roster(problem, doc["assignment"]).objective == doc["objective"] == 2
    assert "tiny: objective 2" in capsys.readouterr().out


def test_bad_instance_file(tmp_path, capsys):
    """Tests that a broken instance file is refused with one line and exit code 2."""
    bad = tmp_path / "bad.txt"
    bad.write_text("SECTION_HORIZON\nseven\n", encoding="utf-8")
    assert main([str(bad), "--seconds", "1"]) == 2
    assert "not a valid Curtois instance" in capsys.readouterr().err


def test_instance1(shared_dir, tmp_path):
    """Tests Instance1 at a few seconds: a valid roster whose objective the validator agrees on."""
    path = shared_dir / "bench" / "rostering" / "Instance1.txt"
    out = tmp_path / "i1.json"
    assert main([str(path), "--seconds", "4", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    check = check_roster(read_instance(path), doc["assignment"])
    assert check.ok and check.objective == doc["objective"]


def test_json_figures_on_a_generated_look_alike(tmp_path, capsys):
    """Tests a small generated look-alike: same text per seed, a roster, its figures as JSON."""
    from bench.rostering_generate import generate

    text = generate(12, 28, 4, seed=3)
    assert text == generate(12, 28, 4, seed=3)
    path = tmp_path / "Small.txt"
    path.write_text(text, encoding="utf-8")
    problem = read_instance(path)
    assert (len(problem.staff), problem.days, len(problem.shifts)) == (12, 28, 4)
    assert main([str(path), "--seconds", "4", "--json"]) == 0
    fig = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert fig["status"] in ("optimal", "feasible")
    assert fig["objective"] is not None and fig["first_roster"] <= fig["runtime"]
    assert fig["peak_mb"] > 0
