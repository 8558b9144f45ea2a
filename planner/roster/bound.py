"""A lower bound on a roster's objective from a flow relaxation, without the full model.

The relaxation keeps, for each person, at most one shift a day, only the shift kinds they may
work and not on their fixed days off, and how many shifts in all they may and must work (from
their minutes and shift counts). It drops the rules that join days (runs, rest, weekends,
successions) and the limits per shift kind. What remains is a min-cost flow:

    source -> person -> (person, day) -> (day, shift) -> sink

where a (day, shift) node earns the cover's under-weight for each of its first
``requirement`` units and pays the over-weight for each unit beyond, and a (person, day,
shift) arc earns the weight of a wish to work that shift or pays the weight of a wish not
to. The relaxation's optimum is a lower bound on cover and wishes in any roster; every other
penalty of the roster is zero or more, so it is a lower bound on the objective too. Hard
cover sides and pins are left out, which only loosens it.

It is cheap (a second or two on 150 staff x 364 days x 33 shift kinds) and is the only bound
where the full model is never built; where the full model runs, the larger of the two is
reported (on Instances 10-12 the model's bound at 60 s is single figures, the flow's is not).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from ortools.graph.python import min_cost_flow

if TYPE_CHECKING:
    from planner.roster.model import RosterProblem, Staff


def _counts(pr: RosterProblem, st: Staff, allowed: list[int]) -> tuple[int, int]:
    """Return the fewest and the most shifts ``st`` can work over the horizon."""
    days = pr.days - len({d for d in st.days_off if 0 <= d < pr.days})
    most = days
    limits = [st.max_of(pr.shifts[k].id) for k in allowed]
    if all(n is not None for n in limits):
        most = min(most, sum(n or 0 for n in limits))
    lengths = [pr.shifts[k].minutes for k in allowed]
    if st.max_minutes is not None:
        most = min(most, max(0, st.max_minutes) // min(lengths))
    if st.max_consecutive is not None and st.max_consecutive >= 0:
        # At most max_consecutive in every max_consecutive + 1 days in a row.
        k = st.max_consecutive
        most = min(most, pr.days - pr.days // (k + 1))
    fewest = 0
    if st.min_minutes:
        fewest = min(most, math.ceil(st.min_minutes / max(lengths)))
    return fewest, most


def flow_bound(pr: RosterProblem) -> int:
    """Return a lower bound on the objective of any roster of ``pr``.

    Parameters
    ----------
    pr
        The roster problem.

    Returns
    -------
    int
        A lower bound on the sum of soft penalties (0 when the relaxation finds none).
    """
    n_shift, n_day, n_staff = len(pr.shifts), pr.days, len(pr.staff)
    sidx = {s.id: k for k, s in enumerate(pr.shifts)}
    need = np.zeros((n_day, n_shift), dtype=np.int64)
    under = np.zeros((n_day, n_shift), dtype=np.int64)
    over = np.zeros((n_day, n_shift), dtype=np.int64)
    for c in pr.cover:
        k = sidx.get(c.shift)
        if k is None or not 0 <= c.day < n_day:
            continue
        need[c.day, k] += c.requirement
        under[c.day, k] = c.under_weight or 0
        over[c.day, k] = c.over_weight or 0
    pidx = {st.id: p for p, st in enumerate(pr.staff)}
    wish = np.zeros((n_staff, n_day, n_shift), dtype=np.int64)
    constant = int((need * under).sum())
    for q in pr.requests:
        p, k = pidx.get(q.staff), sidx.get(q.shift)
        if p is None or k is None or not 0 <= q.day < n_day:
            continue
        if q.on:
            constant += q.weight
            wish[p, q.day, k] -= q.weight
        else:
            wish[p, q.day, k] += q.weight
    source, sink = 0, 1
    person0 = 2
    cell0 = person0 + n_staff
    slot0 = cell0 + n_staff * n_day
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def arcs(t: np.ndarray, h: np.ndarray, cap: np.ndarray, cost: np.ndarray) -> None:
        tails.append(t.astype(np.int64))
        heads.append(h.astype(np.int64))
        caps.append(cap.astype(np.int64))
        costs.append(cost.astype(np.int64))

    supply = np.zeros(slot0 + n_day * n_shift, dtype=np.int64)
    optional = int(need.sum())
    for p, st in enumerate(pr.staff):
        allowed = [k for k, s in enumerate(pr.shifts) if st.max_of(s.id) != 0]
        if not allowed:
            continue
        fewest, most = _counts(pr, st, allowed)
        supply[person0 + p] = fewest
        one = np.ones(1, dtype=np.int64)
        arcs(one * source, one * (person0 + p), one * (most - fewest), one * 0)
        days = np.array([d for d in range(n_day) if d not in st.days_off], dtype=np.int64).reshape(
            -1
        )
        if days.size == 0:
            continue
        arcs(
            np.full(days.size, person0 + p),
            cell0 + p * n_day + days,
            np.ones(days.size),
            np.zeros(days.size),
        )
        ks = np.array(allowed, dtype=np.int64)
        grid_d, grid_k = np.meshgrid(days, ks, indexing="ij")
        dd, kk = grid_d.ravel(), grid_k.ravel()
        arcs(cell0 + p * n_day + dd, slot0 + dd * n_shift + kk, np.ones(dd.size), wish[p, dd, kk])
    slots = np.arange(n_day * n_shift, dtype=np.int64)
    flat_need, flat_under, flat_over = need.ravel(), under.ravel(), over.ravel()
    covered = flat_need > 0
    arcs(
        slot0 + slots[covered],
        np.full(int(covered.sum()), sink),
        flat_need[covered],
        -flat_under[covered],
    )
    arcs(slot0 + slots, np.full(slots.size, sink), np.full(slots.size, n_staff), flat_over)
    # Supply the source may leave unused goes straight to the sink.
    arcs(np.array([source]), np.array([sink]), np.array([optional]), np.array([0]))
    supply[source] = optional
    supply[sink] = -(optional + int(supply[person0:cell0].sum()))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    flow.set_nodes_supplies(np.arange(supply.size, dtype=np.int64), supply)
    if flow.solve() != flow.OPTIMAL:
        return 0
    return max(0, constant + int(flow.optimal_cost()))
