"""Roster explanations: penalties in words, and which rules conflict when nothing fits."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.checks.roster import check_roster
from planner.result import SolveStatus
from planner.roster.model import DAY_MINUTES
from planner.roster.result import RosterResult, cp_solver, read_roster
from planner.roster.rules import RULE_WORDS, build_model

if TYPE_CHECKING:
    from planner.roster.model import RosterProblem
    from planner.roster.result import RosterParams

log = logging.getLogger("planner")

#: Cost of breaking one relaxed hard rule in the relaxed roster (dwarfs every soft penalty).
RELAX_WEIGHT = 1_000_000


def _hours(minutes: int | None) -> str:
    if minutes is None:
        return "?"
    h, m = divmod(minutes, 60)
    return f"{h} h" if not m else f"{h} h {m} min"


def rule_sentence(problem: RosterProblem, rule: str, staff: str) -> str:
    """Say hard rule ``rule`` for ``staff`` in a captain's words, with its limit."""
    rules = problem.rules
    who = next((s for s in problem.staff if s.id == staff), None)
    label = who.label if who else ""
    detail = ""
    if who is not None:
        limits = {
            "max_minutes": who.max_minutes,
            "min_minutes": who.min_minutes,
            "max_consecutive": who.max_consecutive,
            "min_consecutive": who.min_consecutive,
            "min_consecutive_off": who.min_consecutive_off,
            "max_weekends": who.max_weekends,
        }
        if limits.get(rule) is not None:
            detail = f" ({limits[rule]})"
        if rule == "days_off" and who.days_off:
            detail = " (" + ", ".join(problem.day_label(d) for d in sorted(who.days_off)) + ")"
        if rule == "pinned":
            pins = [p for p in problem.pins if p.staff == staff]
            detail = (
                " ("
                + ", ".join(f"{p.shift or 'off'} on {problem.day_label(p.day)}" for p in pins)
                + ")"
            )
    if rule == "max_nights_in_row":
        detail = f" ({rules.max_nights_in_row})"
    if rule == "min_rest":
        detail = f" ({_hours(rules.min_rest_minutes)})"
    if rule == "rest_after_night":
        detail = f" ({_hours(rules.rest_after_night_minutes)})"
    if rule == "min_crew" and rules.crew is not None:
        detail = f" ({rules.crew.min_members} members, with leave and fill-ins)"
    if rule == "pattern" and rules.pattern is not None:
        detail = " (" + ", ".join(s or "off" for s in rules.pattern.cycle) + ")"
    words = RULE_WORDS.get(rule, rule)
    return f"{words}{detail} for {label}" if label else f"{words}{detail}"


def _core(
    problem: RosterProblem, params: RosterParams, seed: int, seconds: float
) -> list[tuple[str, str]] | None:
    """Find a small set of hard rule keys that cannot all hold together, or ``None``."""
    t0 = time.monotonic()
    m = build_model(problem, guarded=True)
    m.cp.proto.clear_objective()
    keys = list(m.guards)
    if not keys:
        return None

    def infeasible_with(subset: list[tuple[str, str]], limit: float) -> list[int] | None:
        model = m.cp.clone()
        model.clear_assumptions()
        model.add_assumptions([m.guards[k] for k in subset])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.1, limit)
        solver.parameters.random_seed = seed
        status = solver.solve(model)
        if status != cp_model.INFEASIBLE:
            return None
        return list(solver.sufficient_assumptions_for_infeasibility())

    found = infeasible_with(keys, seconds / 2)
    if found is None:
        return None
    index = {m.guards[k].index: k for k in keys}
    core = [index[i] for i in found if i in index] or keys
    # Shrink by deletion: drop each rule in turn while the rest still conflict.
    i = 0
    while i < len(core) and time.monotonic() - t0 < seconds:
        trial = core[:i] + core[i + 1 :]
        left = max(0.1, min(2.0, seconds - (time.monotonic() - t0)))
        again = infeasible_with(trial, left) if trial else None
        if again is None:
            i += 1
        else:
            shrunk = [index[j] for j in again if j in index]
            core = [k for k in trial if k in shrunk] if shrunk else trial
    return core


def explain_infeasible(
    problem: RosterProblem, params: RosterParams, *, seed: int = 0
) -> tuple[tuple[str, ...], RosterResult | None]:
    """Say which hard rules conflict and find the best roster that breaks only those.

    Parameters
    ----------
    problem
        An infeasible roster problem.
    params
        Solver settings; each of the two steps gets up to ``time_limit`` seconds.
    seed
        Random seed.

    Returns
    -------
    tuple
        Sentences naming the conflicting rules (smallest set found), and a relaxed roster in
        which those rules are soft at a high price (its check lists what it breaks), or
        ``None`` when even that fails.
    """
    seconds = max(1.0, params.time_limit)
    core = _core(problem, params, seed, seconds)
    if core is None:
        return ("no small set of conflicting rules was found within the time limit",), None
    sentences = tuple(f"{rule_sentence(problem, rule, staff)}" for rule, staff in sorted(core))
    t0 = time.monotonic()
    m = build_model(problem, relaxed=frozenset(core), relax_weight=RELAX_WEIGHT)
    solver = cp_solver(params, seconds, seed)
    status = solver.solve(m.cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return sentences, None

    assignment, lending = read_roster(m, list(solver.response_proto.solution))
    check = check_roster(problem, assignment, lending)
    relaxed = RosterResult(
        status=SolveStatus.FEASIBLE,
        objective=check.objective,
        bound=None,
        runtime=time.monotonic() - t0,
        assignment=assignment,
        lending=tuple(lending),
        check=check,
    )
    return sentences, relaxed


def describe(problem: RosterProblem, result: RosterResult) -> list[str]:
    """Describe the result in words: status, conflicts or broken rules, each penalty."""
    lines = [result.summary()]
    if result.conflict:
        lines.append("These rules cannot all hold together:")
        lines += [f"  - {s}" for s in result.conflict]
        if result.relaxed is not None and result.relaxed.check is not None:
            lines.append("Best roster that breaks only those rules breaks:")
            lines += [f"  - {v.message}" for v in result.relaxed.check.hard]
    check = result.check if result.check is not None else None
    if check is not None:
        if check.hard:
            lines.append("Broken hard rules:")
            lines += [f"  - {v.message}" for v in check.hard]
        if check.soft:
            lines.append("Penalties:")
            lines += [f"  - {v.message} (penalty {v.penalty})" for v in check.soft]
        else:
            lines.append("No penalties: every soft rule is met.")
    return lines


def shift_times(problem: RosterProblem, shift_id: str) -> str:
    """``"08:00–20:00"`` for a shift with a start time, else its length."""
    sh = problem.shift(shift_id)
    if sh.start is None:
        return f"{sh.minutes} min"
    end = (sh.start + sh.minutes) % DAY_MINUTES
    return f"{sh.start // 60:02d}:{sh.start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
