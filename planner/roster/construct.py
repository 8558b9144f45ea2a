"""Build one staff member's roster row day by day, without a solver.

One person's own rules (run lengths, days off in a row, working weekends, total minutes, the
most shifts of each kind, forbidden successions) are a small model, but CP-SAT took 1-5 s to
find any roster for one person of a 364-day look-alike of the benchmark's largest instance: a
tight window of total minutes with run-length limits is hard for its search. A walk over the
days that keeps every rule as it goes, paces the minutes and the weekends over the horizon and
picks the shift where people are still missing finds one in milliseconds. It covers the rules of
the benchmark only; :func:`walk_fits` says when it applies, and a row it returns is checked by
the caller before it is used.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from planner.roster.model import rest_conflicts

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

    from planner.roster.model import RosterProblem

#: Minutes aimed at, as a share of the way from a person's minimum to their maximum.
TARGET_SHARE = 0.5


def walk_fits(pr: RosterProblem) -> bool:
    """Whether the walk knows every hard rule of ``pr`` (the benchmark's rules only)."""
    r = pr.rules
    return not (
        pr.pins
        or pr.history
        or pr.keep
        or r.max_nights_in_row is not None
        or r.pattern is not None
        or r.crew is not None
        or rest_conflicts(pr)
    )


def walk_row(
    pr: RosterProblem,
    p: int,
    gain: Mapping[tuple[int, str], int],
    rng: random.Random,
    *,
    target_share: float = TARGET_SHARE,
) -> list[str | None]:
    """Return a roster row for staff ``p`` that tries to keep all of its own hard rules.

    Parameters
    ----------
    pr
        The problem (see :func:`walk_fits`).
    p
        Staff index.
    gain
        ``(day, shift id)`` -> what working that shift that day is worth (positive where people
        are missing, negative where it is already full).
    rng
        Breaks ties between equally good shifts.
    target_share
        Where in the window of total minutes the walk aims.

    Returns
    -------
    list
        The shift id (or ``None`` for off) of each day. It may still break a rule (e.g. fall
        short of the minimum minutes); the caller checks it.
    """
    st = pr.staff[p]
    days = pr.days
    kinds = [sh for sh in pr.shifts if st.max_of(sh.id) != 0]
    left: dict[str, int] = {}
    for sh in kinds:
        cap = st.max_of(sh.id)
        left[sh.id] = days if cap is None else cap
    lo = st.min_minutes or 0
    hi = (
        st.max_minutes
        if st.max_minutes is not None
        else sum(max((sh.minutes for sh in kinds), default=0) for _ in range(days))
    )
    target = lo + target_share * (hi - lo) if st.max_minutes is not None else lo
    max_on = st.max_consecutive if st.max_consecutive is not None else days
    min_on = max(1, st.min_consecutive or 1)
    min_off = max(1, st.min_consecutive_off or 1)
    weekends = pr.weekends()
    weekend_of = {d: w for w, ds in enumerate(weekends) if ds for d in ds}
    max_we = st.max_weekends if st.max_weekends is not None else len(weekends)
    worked_we: set[int] = set()
    off_days = st.days_off
    row: list[str | None] = [None] * days
    minutes = 0
    run_on = 0
    run_off = math.inf  # the off run before day 0 touches the edge: exempt from the minimum
    last: str | None = None
    forbid = {sh.id: sh.forbidden_next for sh in pr.shifts}

    def can_start(d: int) -> bool:
        """Whether a work run may start on ``d``: its first ``min_on`` days are workable."""
        for k in range(min_on):
            if d + k >= days:
                return True  # a run touching the last day is exempt from the minimum
            if d + k in off_days:
                return False
            w = weekend_of.get(d + k)
            if w is not None and w not in worked_we and len(worked_we) >= max_we:
                return False
        return True

    for d in range(days):
        options = [
            sh
            for sh in kinds
            if left[sh.id] > 0
            and minutes + sh.minutes <= hi
            and (last is None or sh.id not in forbid[last])
        ]
        w = weekend_of.get(d)
        weekend_full = w is not None and w not in worked_we and len(worked_we) >= max_we
        must_off = (
            d in off_days
            or run_on >= max_on
            or (run_on == 0 and run_off < min_off)
            or weekend_full
            or not options
            or (run_on == 0 and not can_start(d))
        )
        must_on = 0 < run_on < min_on
        work = False
        if must_on and not must_off:
            work = True
        elif not must_off:
            # Pace the minutes over the days: behind the pace, work; a little ahead, work only
            # where people are missing.
            pace = target * (d + 1) / days
            best_gain = max(gain.get((d, sh.id), 0) for sh in options)
            avg = sum(sh.minutes for sh in options) / len(options)
            if w is not None and w not in worked_we:
                # Spend the weekends evenly: not ahead of their share of the horizon.
                share = max_we * (w + 1) / max(1, len(weekends))
                if len(worked_we) + 1 > share + 0.5 and minutes >= pace - avg:
                    options = []
            if options:
                work = minutes < pace or (best_gain > 0 and minutes + avg <= pace + 2 * avg)
        if work:
            if must_on and not options:
                options = [sh for sh in kinds if last is None or sh.id not in forbid[last]]
            if not options:
                work = False
        if work:
            top = max(gain.get((d, sh.id), 0) for sh in options)
            best = [sh for sh in options if gain.get((d, sh.id), 0) == top]
            sh = best[rng.randrange(len(best))] if len(best) > 1 else best[0]
            row[d] = sh.id
            left[sh.id] -= 1
            minutes += sh.minutes
            run_on += 1
            run_off = 0
            last = sh.id
            if w is not None:
                worked_we.add(w)
        else:
            run_off = run_off + 1 if run_on == 0 else 1
            run_on = 0
            last = None
    return row
