"""Tests of the walk first roster and the window search on look-alike instances."""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from typing import TYPE_CHECKING

import pytest

from bench.rostering import read_instance
from bench.rostering_generate import generate
from planner.checks.roster import check_roster
from planner.roster.construct import walk_fits
from planner.roster.model import RosterProblem, ShiftType, Staff
from planner.roster.solve import (
    RosterParams,
    SolveStatus,
    _greedy_rows,
    _hands_over,
    solve_roster,
)
from planner.roster.window_search import (
    WindowSearch,
    free_to_work,
    sample_first,
    window_fits,
    window_problem,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def lookalike(tmp_path_factory: pytest.TempPathFactory) -> RosterProblem:
    """A 12 staff x 84 days x 4 shift types look-alike of the benchmark (seed 0)."""
    path: Path = tmp_path_factory.mktemp("roster") / "Look.txt"
    path.write_text(generate(12, 84, 4, seed=0), encoding="utf-8")
    return read_instance(path)


def _rows(pr: RosterProblem) -> dict[int, list[str | None]]:
    params = RosterParams(time_limit=20.0, num_workers=1)
    deadline = time.monotonic() + 20.0
    rows = _greedy_rows(pr, params, 0, deadline, threading.Event(), quick=True)
    assert rows is not None
    return rows


def test_walk_rows_keep_every_rule(lookalike):
    """Tests that the first roster of a long horizon breaks no hard rule and is scored."""
    assert walk_fits(lookalike) and window_fits(lookalike)
    rows = _rows(lookalike)
    check = check_roster(lookalike, {st.id: rows[p] for p, st in enumerate(lookalike.staff)})
    assert check.ok, check.hard[:3]
    assert check.objective > 0


def test_window_change_is_the_whole_change(lookalike):
    """Tests that a change inside a window moves the sub-problem and the whole roster alike."""
    rows = _rows(lookalike)
    whole = {st.id: rows[p] for p, st in enumerate(lookalike.staff)}
    staff, first, last = [1, 4, 7], 28, 42  # days 28-41 are two weeks from a Monday
    sub, lo = window_problem(lookalike, rows, staff, first, last)
    assert lo == 21 and sub.days == 28 and sub.start_weekday == 0  # one week each side
    ids = [lookalike.staff[p].id for p in staff]
    before = check_roster(sub, {i: whole[i][lo : lo + sub.days] for i in ids})
    assert before.ok, before.hard[:3]
    # Swap two people's shifts on one day of the window: same for both, or a change of cover.
    rng = random.Random(5)
    changed = {i: list(whole[i]) for i in whole}
    for _ in range(20):
        d = rng.randrange(first, last)
        a, b = rng.sample(ids, 2)
        changed[a][d], changed[b][d] = changed[b][d], changed[a][d]
    full = check_roster(lookalike, changed)
    full_delta = full.objective - check_roster(lookalike, whole).objective
    after = check_roster(sub, {i: changed[i][lo : lo + sub.days] for i in ids})
    assert after.objective - before.objective == full_delta
    # Hard rules broken by the swaps show in both, or in neither.
    assert bool(after.hard) == bool(full.hard)


def test_spare_staff_have_time_for_one_more_shift(lookalike):
    """Tests that the staff with time to spare are exactly those under their most minutes."""
    rows = _rows(lookalike)
    search = WindowSearch(lookalike, rows, RosterParams(num_workers=1), seed=0)
    minutes = {s.id: s.minutes for s in lookalike.shifts}
    for sh in lookalike.shifts:
        want = []
        for p, st in enumerate(lookalike.staff):
            worked = sum(minutes[x] for x in rows[p] if x is not None)
            if st.max_minutes is None or worked + sh.minutes <= st.max_minutes:
                want.append(p)
        assert search._spare(sh.id) == want
    # The look-alike's staff end the first roster with time to spare, but not all of them.
    assert 0 < len(search._spare(lookalike.shifts[0].id)) < len(lookalike.staff)


def test_window_search_improves_and_keeps_its_score(lookalike):
    """Tests that the window search lowers the objective and reports the checker's value."""
    rows = _rows(lookalike)
    search = WindowSearch(lookalike, rows, RosterParams(num_workers=2, lns_seconds=0.5), seed=2)
    start = search.objective
    out = search.run(time.monotonic() + 6.0)
    check = check_roster(lookalike, {st.id: out[p] for p, st in enumerate(lookalike.staff)})
    assert check.ok, check.hard[:3]
    assert check.objective == search.objective
    assert search.objective < start


def test_long_horizon_solve_without_the_full_model(lookalike):
    """Tests that solve_roster gives a checked roster and its first-roster time on 84 days."""
    result = solve_roster(lookalike, RosterParams(time_limit=5.0, num_workers=2), seed=1)
    assert result.status is SolveStatus.FEASIBLE
    assert result.first_roster is not None and result.first_roster < result.runtime
    assert result.runtime < 5.5
    assert result.check is not None and result.check.ok
    assert result.objective == result.check.objective


def test_window_search_not_for_crews(lookalike):
    """Tests that a problem with a rule across staff is left to the full model."""
    fair = dataclasses.replace(
        lookalike, rules=dataclasses.replace(lookalike.rules, fair_weekends_weight=1)
    )
    assert not window_fits(fair)


@pytest.fixture(scope="module")
def four_weeks(tmp_path_factory: pytest.TempPathFactory) -> RosterProblem:
    """A 30 staff x 28 days x 4 shift types look-alike (seed 0), past ``full_model_cells``."""
    path: Path = tmp_path_factory.mktemp("roster") / "Four.txt"
    path.write_text(generate(30, 28, 4, seed=0), encoding="utf-8")
    return read_instance(path)


def test_full_model_hands_over_to_the_window_search(four_weeks, caplog):
    """Tests that the full model's phase gives a bound and the window search the roster."""
    assert window_fits(four_weeks)
    params = RosterParams(time_limit=6.0, num_workers=2, window_after_vars=0)
    with caplog.at_level(logging.INFO, logger="planner"):
        result = solve_roster(four_weeks, params, seed=1)
    assert "window search after the full model" in caplog.text
    assert result.is_feasible()
    assert result.check is not None and result.check.ok, result.check.hard[:3]
    assert result.objective == result.check.objective
    assert result.bound is not None and result.bound <= result.objective
    assert result.first_roster is not None and result.first_roster < result.runtime


def test_no_hand_over_when_switched_off(four_weeks, caplog):
    """Tests that ``window_after=False`` keeps the whole-model neighbourhood search."""
    params = RosterParams(time_limit=4.0, num_workers=2, window_after=False, window_after_vars=0)
    with caplog.at_level(logging.INFO, logger="planner"):
        result = solve_roster(four_weeks, params, seed=1)
    assert "window search after the full model" not in caplog.text
    assert result.check is not None and result.check.ok


def test_no_hand_over_below_the_size(four_weeks):
    """Tests that a model under ``window_after_vars`` variables keeps main's search."""
    assert not _hands_over(four_weeks, RosterParams())
    assert _hands_over(four_weeks, RosterParams(window_after_vars=0))


def test_free_to_work_keeps_weekends_within_limits():
    """Tests that staff free for a weekend day are off then and need no weekend past their most."""
    shifts = (ShiftType("D", 480),)
    staff = (
        Staff("works-sunday", max_weekends=1),  # works Sunday 6: Saturday 5 is no new weekend
        Staff("used-up", max_weekends=1),  # works the next weekend: none left
        Staff("has-one-left", max_weekends=2),
        Staff("on-leave", max_weekends=2, days_off=frozenset({5})),
        Staff("already-on", max_weekends=2),
    )
    pr = RosterProblem(days=14, staff=staff, shifts=shifts, start_weekday=0)
    on = {(0, 6), (1, 12), (2, 2), (2, 12), (4, 5)}
    assert free_to_work(pr, lambda p, d: (p, d) in on, 5, range(5)) == [0, 2]
    # On a weekday anyone able may take the shift: no one comes first.
    assert free_to_work(pr, lambda p, d: (p, d) in on, 2, range(5)) == []


def test_sample_first_draws_the_preferred_first_without_repeats():
    """Tests that the preferred staff fill the draw first and no one is drawn twice."""
    rng = random.Random(0)
    pick = sample_first(rng, [1, 2], [0, 1, 2, 3, 4], 4)
    assert len(pick) == len(set(pick)) == 4
    assert set(pick[:2]) == {1, 2}
    # Enough preferred staff: none of the rest is drawn.
    assert set(sample_first(rng, [5, 6, 7], [0], 2)) <= {5, 6, 7}
    # Too few in all: everyone there is, once.
    assert sorted(sample_first(rng, [], [3, 4], 5)) == [3, 4]
