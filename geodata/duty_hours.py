"""Duty hours of part-time grid members and volunteers: ``"mon-fri 07:00-09:00"``.

Each item of a grid member's ``hours`` list in ``teams.toml`` is one weekly window: the days,
a space, and a time span on the 24-hour clock. Days are a comma-separated list of day names
(``mon`` … ``sun``, or the OSM two-letter ``mo`` … ``su``, any case) and ranges of them
(``mon-fri``; a range may wrap round the week end, ``fri-mon``), or ``daily``. A span whose end
is not after its start runs past midnight into the next day (``fri 22:00-02:00``).
"""

from __future__ import annotations

import re

from geodata.errors import InputError

DAY_MINUTES = 1440
"""Minutes in a day."""

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names, Monday first (index 0, as :meth:`datetime.date.weekday`)."""

_DAY_INDEX: dict[str, int] = {
    **{name: i for i, name in enumerate(DAY_NAMES)},
    **{name[:2]: i for i, name in enumerate(DAY_NAMES)},
}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
EVERY_DAY = ("daily", "mon-sun")


class DutyHoursError(InputError):
    """A duty-hours text that cannot be read; the message is one sentence naming it."""


def _bad(text: str, reason: str) -> DutyHoursError:
    return DutyHoursError(f"The duty hours {text!r} cannot be used: {reason}.")


def _days(text: str, spec: str) -> tuple[int, ...]:
    if spec in EVERY_DAY:
        return tuple(range(7))
    days: list[int] = []
    for item in spec.split(","):
        lo, sep, hi = item.strip().partition("-")
        if lo not in _DAY_INDEX or (sep and hi not in _DAY_INDEX):
            raise _bad(text, f"{item.strip()!r} is not a day or a range of days like mon-fri")
        a = _DAY_INDEX[lo]
        b = _DAY_INDEX[hi] if sep else a
        run = [(a + k) % 7 for k in range((b - a) % 7 + 1)]
        for d in run:
            if d in days:
                raise _bad(text, f"{DAY_NAMES[d]} is named twice")
            days.append(d)
    return tuple(sorted(days))


def _minute(text: str, clock: str, *, end: bool) -> int:
    m = _CLOCK.match(clock)
    if m is None:
        raise _bad(text, f"{clock!r} is not a time of day written HH:MM")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        upto = "24:00" if end else "23:59"
        raise _bad(text, f"{clock} is not a time of day from 00:00 to {upto}")
    return hours * 60 + minutes


def parse_duty_hours(text: object) -> tuple[tuple[int, ...], int, int]:
    """Read one duty-hours item into (weekdays, start, end).

    Parameters
    ----------
    text
        An item such as ``"mon-fri 07:00-09:00"``.

    Returns
    -------
    tuple
        ``(weekdays, start_min, end_min)``: the days it starts on (0 = Monday, sorted) and the
        span in minutes from local midnight of such a day; ``end_min`` exceeds 1440 for a
        span past midnight.

    Raises
    ------
    DutyHoursError
        A sentence saying what is wrong: not a text, no days or no span, an unknown day, a
        clock time out of range, or a span that starts and ends at the same time.

    Examples
    --------
    >>> parse_duty_hours("mon-fri 07:00-09:00")
    ((0, 1, 2, 3, 4), 420, 540)
    >>> parse_duty_hours("Sat,Sun 22:00-01:00")
    ((5, 6), 1320, 1500)
    """
    if not isinstance(text, str):
        raise _bad(str(text), "duty hours must be a text like mon-fri 07:00-09:00")
    parts = text.strip().lower().split()
    if len(parts) != 2:
        raise _bad(text, "write the days, a space and the times, like mon-fri 07:00-09:00")
    days = _days(text, parts[0])
    span = parts[1].split("-")
    if len(span) != 2:
        raise _bad(text, f"{parts[1]!r} is not a time span written HH:MM-HH:MM")
    start = _minute(text, span[0], end=False)
    end = _minute(text, span[1], end=True)
    if end == start:
        raise _bad(text, f"the span {parts[1]} starts and ends at the same time")
    if end < start:
        end += DAY_MINUTES
    return days, start, end


def format_duty_hours(weekdays: tuple[int, ...], start: int, end: int) -> str:
    """Return (weekdays, start, end) as a duty-hours item; the inverse of :func:`parse_duty_hours`.

    Consecutive days are written as ranges (``mon-fri``), every day as ``daily``.
    """
    if tuple(sorted(weekdays)) == tuple(range(7)):
        days = "daily"
    else:
        runs: list[list[int]] = []
        for d in sorted(weekdays):
            if runs and d == runs[-1][-1] + 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        days = ",".join(
            DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}"
            for r in runs
        )

    def clock(m: int) -> str:
        m = m % DAY_MINUTES if m != DAY_MINUTES else m
        return f"{m // 60:02d}:{m % 60:02d}"

    return f"{days} {clock(start)}-{clock(end)}"
