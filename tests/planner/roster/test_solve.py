"""Tests of the first roster's gains and the neighbourhood search's moves aimed at missing cover."""

from __future__ import annotations

import threading
import time

from planner.roster.model import Cover, RosterProblem, ShiftRequest, ShiftType, Staff
from planner.roster.result import RosterParams
from planner.roster.rules import build_model
from planner.roster.solve import (
    LNS_LONGEST,
    LNS_STALL,
    CoverGains,
    _Best,
    _complete,
    _greedy_rows,
    _Lns,
)

E = ShiftType("E", 480)
L = ShiftType("L", 480)


def _problem() -> RosterProblem:
    """Five staff over a week; two may not work L. Cover is asked on days 0-4."""
    staff = (
        Staff("A", max_shifts=(("L", 0),), max_minutes=5 * 480),
        Staff("B", max_shifts=(("L", 0),), max_minutes=5 * 480),
        Staff("C", max_minutes=5 * 480),
        Staff("D", max_minutes=5 * 480),
        Staff("F", max_minutes=2 * 480),
    )
    cover = tuple(Cover(d, s, 2, 100, 1) for d in range(5) for s in ("E", "L"))
    return RosterProblem(days=7, staff=staff, shifts=(E, L), cover=cover)


def _values(pr: RosterProblem, rows: dict[int, list[str | None]]) -> tuple[_Lns, list[int]]:
    m = build_model(pr)
    params = RosterParams(time_limit=5.0, num_workers=1)
    values = _complete(m, params, 0, time.monotonic() + 5.0, rows)
    assert values is not None
    return _Lns(m, params, _Best(), seed=3), values


def test_aimed_rows_hold_someone_who_may_take_the_missing_shift():
    """Tests that rows aimed at missing cover include staff able to take it, whole rows."""
    pr = _problem()
    # Only L on day 2 is short (C works it). A and B may not take L; D and F may, and no one
    # has time to spare.
    rows: dict[int, list[str | None]] = {
        0: ["E", "E", "E", "E", "E", None, None],
        1: ["E", "E", "E", "E", "E", None, None],
        2: ["L", "L", "L", "L", "L", None, None],
        3: ["L", "L", None, "L", "L", "L", None],
        4: [None, None, None, None, None, "E", "E"],
    }
    lns, values = _values(pr, rows)
    for _ in range(20):
        staff = lns._aimed(values, 2)
        assert staff is not None and len(staff) == 2
        assert {3, 4} & set(staff)
    free = lns.neighbourhood(3, values)
    assert {d for _p, d in free} == set(range(7))
    assert len(free) % 7 == 0


def test_aimed_rows_fall_back_when_nothing_is_missing():
    """Tests that with all cover met the aimed move frees whole random rows instead."""
    pr = RosterProblem(
        days=2,
        staff=(Staff("A"), Staff("B")),
        shifts=(E,),
        cover=(Cover(0, "E", 1, 100, 1), Cover(1, "E", 1, 100, 1)),
    )
    lns, values = _values(pr, {0: ["E", "E"], 1: [None, None]})
    assert lns._aimed(values, 2) is None
    free = lns.neighbourhood(3, values)
    assert free == {(p, d) for p in range(2) for d in range(2)}


def test_greedy_gives_a_scarce_shift_to_the_one_who_can_take_it():
    """Tests that the first roster puts a person where few others can fill the gap.

    A may work E or L and asks for E; B may work E only. Without the scarcity weight A takes
    the E asked for, whoever comes first, and L stays empty.
    """
    pr = RosterProblem(
        days=1,
        staff=(Staff("A", max_minutes=480), Staff("B", max_shifts=(("L", 0),), max_minutes=480)),
        shifts=(E, L),
        cover=(Cover(0, "E", 1, 100, 1), Cover(0, "L", 1, 100, 1)),
        requests=(ShiftRequest("A", 0, "E", 5, True),),
    )
    params = RosterParams(time_limit=5.0, num_workers=1)
    for seed in range(4):
        rows = _greedy_rows(pr, params, seed, time.monotonic() + 5.0, threading.Event())
        assert rows == {0: ["L"], 1: ["E"]}


def test_cover_gains_weigh_what_few_can_fill():
    """Tests the gain of one more person: raised by the missing share of the able, capped."""
    pr = RosterProblem(
        days=1,
        staff=(Staff("A"), Staff("B", max_shifts=(("L", 0),)), Staff("C"), Staff("D")),
        shifts=(E, L),
        cover=(Cover(0, "E", 2, 100, 1), Cover(0, "L", 1, 100, 3)),
    )
    gains = CoverGains(pr)
    assert gains.of([1]) == {(0, "E"): 150}  # 2 missing, 4 able: 100 x (1 + 1/2)
    gains.worked(["E"])
    assert gains.of([0]) == {(0, "E"): 125, (0, "L"): 133}  # 1 of 4, 1 of 3
    gains.take([0, 1, 2])
    gains.worked(["L"])
    assert gains.of([3]) == {(0, "E"): 200, (0, "L"): -3}  # 1 missing, only D left


def _weekend_problem() -> RosterProblem:
    """Four staff over two weeks from a Monday, one weekend each; E asked on both weekends."""
    staff = tuple(Staff(i, max_weekends=1) for i in "ABCD")
    cover = (
        Cover(5, "E", 2, 100, 1),
        Cover(12, "E", 1, 100, 1),
        Cover(13, "E", 1, 100, 1),
    )
    return RosterProblem(days=14, staff=staff, shifts=(E,), cover=cover)


def test_weekend_swap_frees_who_must_give_up_a_weekend():
    """Tests that a weekend swap frees staff out of weekends and the other weekend's staff.

    E on Saturday day 5 is one short. A works the second weekend (days 12-13) and C only its
    Saturday: both have no weekend left, so whoever takes day 5 gives up the second weekend.
    """
    pr = _weekend_problem()
    rows: dict[int, list[str | None]] = {
        0: [None] * 12 + ["E", "E"],
        1: [None] * 5 + ["E"] + [None] * 8,
        2: [None] * 12 + ["E", None],
        3: [None] * 14,
    }
    lns, values = _values(pr, rows)
    for _ in range(20):
        free = lns._weekend_swap(values)
        whole = {p for p in range(4) if all((p, d) in free for d in range(14))}
        # Two who may take day 5 (not B, who works it), one of them out of weekends.
        assert len(whole & {0, 2, 3}) >= 2 and whole & {0, 2}
        # The second weekend is free for all, and C, who works one day of it, wholly.
        assert {(p, d) for p in range(4) for d in (12, 13)} <= free
        assert 2 in whole
        assert 1 not in whole


def test_weekend_swap_falls_back_to_a_day_window_without_weekend_holes():
    """Tests that with every weekend shift covered the fifth move frees a window of days."""
    pr = _weekend_problem()
    rows: dict[int, list[str | None]] = {
        0: [None] * 12 + ["E", "E"],
        1: [None] * 5 + ["E"] + [None] * 8,
        2: [None] * 5 + ["E"] + [None] * 8,
        3: [None] * 14,
    }
    lns, values = _values(pr, rows)
    assert lns._weekend_swap(values) == set()
    free = lns.neighbourhood(4, values)
    days = sorted({d for _p, d in free})
    assert days == list(range(days[0], days[-1] + 1))
    assert free == {(p, d) for p in range(4) for d in days}


def test_lns_gives_each_re_solve_more_time_while_none_improves():
    """Tests that the re-solve time limit grows after a run of stalled re-solves, to a cap."""
    pr = _weekend_problem()
    lns = _values(pr, {p: [None] * 14 for p in range(4)})[0]
    first = lns.seconds
    for _ in range(LNS_STALL - 1):
        lns.learn(0, improved=False, proven=False)
    assert lns.seconds == first
    lns.learn(1, improved=True, proven=False)
    for _ in range(LNS_STALL):
        lns.learn(0, improved=False, proven=False)
    assert lns.seconds == 1.5 * first
    for _ in range(50 * LNS_STALL):
        lns.learn(0, improved=False, proven=False)
    assert lns.seconds == LNS_LONGEST * first
