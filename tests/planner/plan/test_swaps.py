"""Tests of shift swaps in a plan's roster (planner.plan.swaps).

The plan is tests/data/plan/plan.json: group g1 (m1, m2) works the day shift D (08:00-20:00)
of 30 September 2026 and is off on 1 October; g2 (m3, m4) is off on 30 September and works
the night N (20:00-08:00) of 1 October. Each shift has one route.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from planner.plan.document import PlanDocument, read_plan
from planner.plan.swaps import Swap, SwapError, apply_swap, check_swap, swap_cells

SEP30, OCT1 = date(2026, 9, 30), date(2026, 10, 1)

RULES = (Path(__file__).parents[2] / "data" / "plan" / "swap_rules.toml").read_text(
    encoding="utf-8"
)
"""The rules of the fixture plan's two groups (tests/data/plan/swap_rules.toml)."""


def rules(rest: int = 12, extra: str = "") -> str:
    """Return the rules text with ``min_rest_hours = rest`` and extra demand lines."""
    text = RULES.replace("min_rest_hours = 12", f"min_rest_hours = {rest}")
    return text.replace("thu = { D = 0, N = 1 }\n", f"thu = {{ D = 0, N = 1 }}\n{extra}\n")


@pytest.fixture(scope="module")
def doc(data_dir: Path) -> PlanDocument:
    """The fixture plan."""
    return read_plan(data_dir / "plan" / "plan.json")


def test_giving_a_shift_moves_the_cell_the_route_and_the_fairness(doc: PlanDocument) -> None:
    """Tests that g1 giving its day shift to g2 leaves g1 off, g2 on D with g1's route (same
    route id, g2's crew) and one more shift on g2's count, and breaks no rule with 12 h of
    rest (g2's D ends 24 h before its night starts)."""
    check = check_swap(doc, Swap("g1", SEP30, "g2"), rules(12), {})
    assert [(c.group, c.day, c.before, c.after) for c in check.cells] == [
        ("g1", SEP30, "D", None),
        ("g2", SEP30, None, "D"),
    ]
    assert [(m.route_id, m.from_group, m.to_group) for m in check.routes] == [
        ("g1-2026-09-30-D", "g1", "g2")
    ]
    assert check.ok and not check.broken and not check.mended
    assert [(a.group_id, a.shifts, b.shifts) for a, b in check.fairness] == [
        ("g1", 1, 0),
        ("g2", 1, 2),
    ]
    swapped = apply_swap(doc, Swap("g1", SEP30, "g2"), rules(12), {})
    assert swapped.roster.schedule == {"g1": (None, None), "g2": ("D", "N")}
    assert swapped.routes[0].id == doc.routes[0].id and swapped.routes[0].group_id == "g2"
    assert swapped.routes[1] == doc.routes[1]
    assert next(v for v in swapped.validation if v.name == "roster").ok


def test_a_swap_that_cuts_rest_short_names_the_rule(doc: PlanDocument) -> None:
    """Tests that with 36 h of rest asked, g2 taking over the day shift breaks the rest rule
    (24 h between its D and its N) and the check says so with the values of the sentence;
    applying it records the broken rule in the plan's roster validation."""
    check = check_swap(doc, Swap("g1", SEP30, "g2"), rules(36), {})
    assert not check.ok
    assert [(f.rule, f.values["group"], f.values["hours"]) for f in check.broken] == [
        ("rest", "g2", 24.0)
    ]
    assert check.broken[0].message == (
        "Group g2 works N on 2026-10-01 24.0 h after its D shift of 2026-09-30 ends; "
        "the rules ask for 36 h of rest."
    )
    swapped = apply_swap(doc, Swap("g1", SEP30, "g2"), rules(36), {})
    roster = next(v for v in swapped.validation if v.name == "roster")
    assert not roster.ok and roster.violations == (check.broken[0].message,)


def test_a_swap_that_mends_a_pin_says_so(doc: PlanDocument) -> None:
    """Tests that when g2 is pinned to the day shift of 30 September, which the plan breaks,
    g1 giving that shift to g2 mends the pin and breaks nothing."""
    text = rules(0, '[[pins]]\ngroup = "g2"\ndate = 2026-09-30\nshift = "D"')
    check = check_swap(doc, Swap("g1", SEP30, "g2"), text, {})
    assert check.ok
    assert [(f.rule, f.values) for f in check.mended] == [
        ("pinned", {"group": "g2", "day": "2026-09-30", "want": "D", "got": "off"})
    ]


def test_a_swap_across_days_trades_both_shifts(doc: PlanDocument) -> None:
    """Tests that g1's day shift of 30 September swapped with g2's night of 1 October gives
    g1 the night and g2 the day, each off on its own day, and both routes change group."""
    check = check_swap(doc, Swap("g1", SEP30, "g2", OCT1), rules(12), {})
    assert [(c.group, c.day, c.before, c.after) for c in check.cells] == [
        ("g1", SEP30, "D", None),
        ("g1", OCT1, None, "N"),
        ("g2", SEP30, None, "D"),
        ("g2", OCT1, "N", None),
    ]
    assert [(m.route_id, m.to_group) for m in check.routes] == [
        ("g1-2026-09-30-D", "g2"),
        ("g2-2026-10-01-N", "g1"),
    ]
    assert check.ok and not check.fairness[0][0].nights and check.fairness[0][1].nights == 1


def _with(
    doc: PlanDocument, g1: tuple[str | None, ...], g2: tuple[str | None, ...]
) -> PlanDocument:
    roster = dataclasses.replace(doc.roster, schedule={"g1": g1, "g2": g2})
    return dataclasses.replace(doc, roster=roster)


@pytest.mark.parametrize(
    ("schedule", "swap", "reason", "sentence"),
    [
        # g1 has no shift on 1 October
        (None, Swap("g1", OCT1, "g2"), "mine_off", "Group g1 is off on 2026-10-01"),
        # g2 works a night on 30 September, so it cannot take g1's day shift over
        (
            (("D", None), ("N", "N")),
            Swap("g1", SEP30, "g2"),
            "other_busy",
            "Group g2 works N on 2026-09-30, so it cannot take it over.",
        ),
        # g1 already works on 1 October, the day of the shift it would take in return
        (
            (("D", "D"), (None, "N")),
            Swap("g1", SEP30, "g2", OCT1),
            "mine_busy",
            "Group g1 already works D on 2026-10-01.",
        ),
        # both work the day shift of 30 September: nothing to trade
        ((("D", None), ("D", "N")), Swap("g1", SEP30, "g2", SEP30), "same_shift", "both work D"),
        # g2 is off on 30 September, so there is no shift of it to trade that day
        (None, Swap("g1", SEP30, "g2", SEP30), "other_off", "Group g2 is off on 2026-09-30"),
        # a day outside the plan
        (None, Swap("g1", date(2026, 10, 5), "g2"), "outside", "2026-10-05 is not a day"),
        # a group the plan does not have
        (None, Swap("g1", SEP30, "g9"), "unknown_group", "The plan has no group 'g9'."),
        # with itself
        (None, Swap("g1", SEP30, "g1"), "same_group", "not with its own"),
    ],
)
def test_swaps_that_cannot_be_made_are_refused_in_one_sentence(
    doc: PlanDocument,
    schedule: tuple[tuple[str | None, ...], tuple[str | None, ...]] | None,
    swap: Swap,
    reason: str,
    sentence: str,
) -> None:
    """Tests the reason and sentence of each swap the roster does not allow."""
    if schedule is not None:
        doc = _with(doc, *schedule)
    with pytest.raises(SwapError, match=sentence) as caught:
        swap_cells(doc, swap)
    assert caught.value.reason == reason
