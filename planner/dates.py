"""The dates, horizons and seeds every entry point accepts (CLI, rules files, forms, API).

A plan's days must lie between :data:`FIRST_DATE` and :data:`LAST_DATE` (the public-holiday
calendar and every date computation stay well inside what ``datetime`` holds), a horizon is 1
to :data:`MAX_DAYS` days (a year: longer ones are a typing slip, and the leave calendar and
the solvers grow with it), and a seed is a whole number CP-SAT and the routing solver take
(0 to :data:`MAX_SEED`). Each check returns what is wrong as the end of a sentence ("must
be ..."), or None, so that each entry point names its own field: ``--days``,
``rules.toml line 3: horizon.days``, the form's field.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_DATE = date(2000, 1, 1)
"""Earliest day a plan or roster may cover."""

LAST_DATE = date(2099, 12, 31)
"""Latest day a plan or roster may cover."""

MAX_DAYS = 366
"""Longest horizon, in days, of a roster or a rules file (plans have shorter limits)."""

MAX_SEED = 2**31 - 1
"""Largest seed (the solvers' random seeds are 32-bit integers)."""


def days_problem(days: int, most: int = MAX_DAYS) -> str | None:
    """Return why ``days`` is not a horizon of 1 to ``most`` days, or None when it is."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= most:
        return f"must be a whole number of days from 1 to {most}, not {days!r}"
    return None


def start_problem(start: date, days: int = 1) -> str | None:
    """Return why ``days`` days from ``start`` do not lie in the accepted dates, or None."""
    last = LAST_DATE - timedelta(days=max(1, min(days, MAX_DAYS)) - 1)
    if not FIRST_DATE <= start <= last:
        span = "" if days <= 1 else f" (the first of {days} days)"
        return f"must be a date from {FIRST_DATE} to {last}{span}, not {start}"
    return None


def seed_problem(seed: int) -> str | None:
    """Return why ``seed`` is not a seed the solvers take, or None when it is."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        return f"must be a whole number from 0 to {MAX_SEED}, not {seed!r}"
    return None
