"""What a plan is asked for: the horizon, the seed, the time budget and the options.

A :class:`PlanRequest` is the one object the planning entry points take besides the
district's :class:`~planner.patrol.inputs.PlanInputs`; the command line, the web app's jobs and
the benchmarks build it instead of passing the same keyword arguments through several layers.

The solver stages share one :class:`TimeBudget` with one meaning: seconds of solving, split
explicitly between the roster and each shift's routes, printed by ``patrol plan`` and recorded
in plan.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from planner.exceptions import PlanInputError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from planner.patrol.baseline import Baseline

ROSTER_SECONDS = 5.0
"""Default seconds of the roster stage."""

SHIFT_SECONDS = 1.5
"""Default seconds of each shift's routing solve."""

MAX_DAYS = 62
"""Longest horizon a plan may ask for."""

MAX_SEED = 2**31 - 1
"""Largest seed (the solvers take 32-bit seeds)."""


@dataclass(frozen=True, slots=True)
class TimeBudget:
    """Seconds of solving: the roster stage, and the routing solve of each shift.

    The routing solves of a plan run one after the other, one per shift worked, so a plan of
    ``n`` shifts solves for ``roster + n * per_shift`` seconds at most (:meth:`total`).

    Parameters
    ----------
    roster
        Seconds of the roster stage.
    per_shift
        Seconds of each shift's routing solve.
    """

    roster: float = ROSTER_SECONDS
    per_shift: float = SHIFT_SECONDS

    def __post_init__(self) -> None:
        for name in ("roster", "per_shift"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                msg = f"The time budget's {name} seconds must be a positive number, not {value!r}."
                raise PlanInputError(msg)

    @classmethod
    def within(cls, seconds: float, shifts: int) -> TimeBudget:
        """Return the budget that solves a plan of ``shifts`` shifts in ``seconds`` in all.

        The seconds are split in the default proportion: the roster gets
        ``ROSTER_SECONDS / (ROSTER_SECONDS + shifts * SHIFT_SECONDS)`` of them and each shift an
        equal part of the rest, so ``--time-limit 26`` on a week of 14 shifts is the default
        budget, and ``--time-limit 52`` doubles every stage.

        Raises
        ------
        PlanInputError
            When ``seconds`` is not a positive number.
        """
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
            msg = f"The time limit must be a positive number of seconds, not {seconds!r}."
            raise PlanInputError(msg)
        shifts = max(int(shifts), 1)
        scale = seconds / (ROSTER_SECONDS + shifts * SHIFT_SECONDS)
        return cls(ROSTER_SECONDS * scale, SHIFT_SECONDS * scale)

    def total(self, shifts: int) -> float:
        """Return the seconds of solving of a plan of ``shifts`` shifts."""
        return self.roster + max(shifts, 0) * self.per_shift

    def describe(self, shifts: int) -> str:
        """Return the split in words, e.g. ``"26.0 s: roster 5.0 s, routes 14 × 1.5 s"``."""
        return (
            f"{self.total(shifts):.1f} s: roster {self.roster:.1f} s, "
            f"routes {shifts} × {self.per_shift:.2f} s"
        )


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """A plan to make: which days, from which seed, within which time, with which options.

    Parameters
    ----------
    start
        First day of the horizon.
    days
        Days to plan, 1 to :data:`MAX_DAYS`.
    seed
        The plan's seed: the roster and every shift's route variety derive from it; the same
        inputs and seed give the same plan.
    budget
        Seconds of solving (:class:`TimeBudget`; the default budget when not given).
    dose_boost
        Key area id -> factor from 1 to :data:`planner.patrol.demand.MAX_DOSE_BOOST` by which
        the area's needed dose is multiplied in every shift (the check-in shortfall of an
        earlier plan); recorded in the plan.
    created_at
        Creation time recorded in the plan (default: now, in the district's time zone).
    cores
        Threads the roster solver may run at once (the CPU the plan declares; the routing
        solves use one thread whatever this is). A job on a Celery worker asks for one per job
        unless configured, so the workers of a machine do not oversubscribe its cores.
    baseline
        The roster in force (:class:`planner.patrol.baseline.Baseline`): the new roster changes
        as few of its cells as it can and carries rest and rotation in from its days before
        the horizon (:func:`planner.patrol.baseline.apply_baseline`); None: a fresh roster.
    freeze_until
        With a baseline, its cells before this date are kept as they are; None: none frozen.
    """

    start: date
    days: int
    seed: int = 0
    budget: TimeBudget = field(default_factory=TimeBudget)
    dose_boost: Mapping[str, float] = field(default_factory=dict)
    created_at: datetime | None = None
    cores: int = 2
    baseline: Baseline | None = None
    freeze_until: date | None = None

    def __post_init__(self) -> None:
        if isinstance(self.cores, bool) or not isinstance(self.cores, int) or self.cores < 1:
            msg = f"A plan needs a whole number of cores of at least 1, not {self.cores!r}."
            raise PlanInputError(msg)
        if isinstance(self.start, datetime) or not isinstance(self.start, date):
            msg = f"A plan starts on a date, not {self.start!r}."
            raise PlanInputError(msg)
        if isinstance(self.days, bool) or not isinstance(self.days, int):
            msg = f"A plan's number of days must be a whole number, not {self.days!r}."
            raise PlanInputError(msg)
        if not 1 <= self.days <= MAX_DAYS:
            msg = f"A plan needs 1 to {MAX_DAYS} days, not {self.days}."
            raise PlanInputError(msg)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            msg = f"The seed must be a whole number, not {self.seed!r}."
            raise PlanInputError(msg)
        if not 0 <= self.seed <= MAX_SEED:
            msg = f"The seed must be from 0 to {MAX_SEED}, not {self.seed}."
            raise PlanInputError(msg)
        try:
            date.fromordinal(self.start.toordinal() + self.days)
        except (OverflowError, ValueError):
            msg = f"A plan of {self.days} days from {self.start} ends after the last date."
            raise PlanInputError(msg) from None
        if self.freeze_until is not None and self.baseline is None:
            msg = "A freeze date needs the roster in force as a baseline."
            raise PlanInputError(msg)

    def dates(self) -> list[date]:
        """Return the days of the horizon in order."""
        return [date.fromordinal(self.start.toordinal() + d) for d in range(self.days)]
