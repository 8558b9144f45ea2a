"""Optional key-area columns: read the `windows`, `dose_minutes` and `target` cells."""

from __future__ import annotations

import math
import re
from typing import Any

from geodata.errors import BundleError

DAY_MINUTES = 1440
"""Minutes in a day."""

MAX_DOSE_MINUTES = float(DAY_MINUTES)
"""Largest ``dose_minutes`` a key area may ask for: the longest shift, a whole day."""

WINDOW_SEP = ";"
"""Separates the windows of one area."""

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class AreaValueError(BundleError):
    """A ``windows``, ``dose_minutes`` or ``target`` value of a key area that cannot be used.

    Callers that know the place (layer, row, id) build their own sentence from ``column``,
    ``value`` and ``reason``; the message alone names only the value.

    Attributes
    ----------
    column
        ``"windows"``, ``"dose_minutes"`` or ``"target"``.
    value
        The value as given.
    reason
        What is wrong, as a clause that can follow "but", e.g.
        ``"25:00 is not a time of day from 00:00 to 24:00"``.
    """

    def __init__(self, column: str, value: Any, reason: str) -> None:
        self.column = column
        self.value = value
        self.reason = reason
        super().__init__(f"The {column} {value!r} cannot be used: {reason}.")


def _bad(text: Any, reason: str) -> AreaValueError:
    return AreaValueError("windows", text, reason)


def _minute(text: str, clock: str, *, end: bool) -> int:
    """Return minutes from midnight of ``"HH:MM"``; ``"24:00"`` only as an end."""
    m = _CLOCK.match(clock)
    if m is None:
        raise _bad(text, f"{clock!r} is not a time of day written HH:MM")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        upto = "24:00" if end else "23:59"
        raise _bad(text, f"{clock} is not a time of day from 00:00 to {upto}")
    return hours * 60 + minutes


def is_blank(value: Any) -> bool:
    """Return True for a missing cell: None, NaN or a text of only spaces."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_windows(text: Any) -> tuple[tuple[int, int], ...]:
    """Read a ``windows`` text into ``(start, end)`` minutes from local midnight.

    The text is one or more ``HH:MM-HH:MM`` items joined by ``";"`` (spaces around items are
    ignored), e.g. ``"07:20-08:00;16:30-17:10"``. A window whose end is not after its start
    crosses midnight: ``"22:00-01:00"`` is ``(1320, 1500)``, so ``end`` may exceed 1440 but
    a window is always shorter than a day. ``"24:00"`` may end a window.

    Parameters
    ----------
    text
        The cell of the ``windows`` column; None, NaN or an empty text mean "the category's
        default windows" and give ``()``.

    Returns
    -------
    tuple of (int, int)
        The windows sorted by start; ``()`` for a blank cell.

    Raises
    ------
    AreaValueError
        A :class:`~geodata.errors.BundleError` whose ``reason`` says what is wrong: not a
        text, an item not written ``HH:MM-HH:MM``, an hour or minute out of range, an empty
        window (start equal to end) or two windows that overlap.

    Examples
    --------
    >>> parse_windows("16:30-17:10; 07:20-08:00")
    ((440, 480), (990, 1030))
    >>> parse_windows("22:00-01:00")
    ((1320, 1500),)
    """
    if is_blank(text):
        return ()
    if not isinstance(text, str):
        raise _bad(str(text), "windows must be a text like 07:20-08:00;16:30-17:10")
    out: list[tuple[int, int]] = []
    for item in text.split(WINDOW_SEP):
        item = item.strip()
        if not item:
            raise _bad(text, "it has an empty item between two ';'")
        parts = [p.strip() for p in item.split("-")]
        if len(parts) != 2:
            raise _bad(text, f"{item!r} is not a window written HH:MM-HH:MM")
        start = _minute(text, parts[0], end=False)
        end = _minute(text, parts[1], end=True)
        if end == start:
            raise _bad(text, f"the window {item} opens and closes at the same time")
        if end < start:
            end += DAY_MINUTES
        out.append((start, end))
    out.sort()
    # Overlaps, also across midnight: compare each window with the next, the last with the
    # first shifted by a day.
    for k, (a, b) in enumerate(out):
        na, nb = out[(k + 1) % len(out)]
        if k + 1 == len(out):
            na, nb = na + DAY_MINUTES, nb + DAY_MINUTES
            if len(out) == 1:
                break
        if na < b:
            raise _bad(
                text, f"the windows {format_window((a, b))} and {format_window((na, nb))} overlap"
            )
    return tuple(out)


def _hhmm(minute: int) -> str:
    minute %= DAY_MINUTES
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_window(window: tuple[int, int]) -> str:
    """Return one window as ``"HH:MM-HH:MM"`` (an end at midnight is written ``"24:00"``)."""
    a, b = window
    end = "24:00" if b == DAY_MINUTES else _hhmm(b)
    return f"{_hhmm(a)}-{end}"


def format_windows(windows: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> str:
    """Return windows as the ``windows`` column text; ``""`` for none.

    ``parse_windows(format_windows(w)) == w`` for any windows :func:`parse_windows` returns.
    """
    return WINDOW_SEP.join(format_window((int(a), int(b))) for a, b in windows)


def parse_dose_minutes(value: Any) -> float | None:
    """Read a ``dose_minutes`` cell: None for a blank one, else minutes from 0 to 1440.

    Raises
    ------
    AreaValueError
        When the value is not a number from 0 to :data:`MAX_DOSE_MINUTES`.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        minutes = math.nan
    else:
        try:
            minutes = float(value)
        except (TypeError, ValueError):
            minutes = math.nan
    if not (math.isfinite(minutes) and 0 <= minutes <= MAX_DOSE_MINUTES):
        reason = f"it is not a number of minutes from 0 to {MAX_DOSE_MINUTES:g}"
        raise AreaValueError("dose_minutes", value, reason)
    return minutes


TARGET_VALUES: dict[str, bool] = {"yes": True, "no": False}
"""The values a ``target`` cell may hold besides a blank one (any case)."""


def parse_target(value: Any) -> bool | None:
    """Read a ``target`` cell: None for a blank one (the category decides), else True or False.

    Raises
    ------
    AreaValueError
        When the value is neither blank nor ``"yes"`` or ``"no"`` (any case, spaces ignored).
    """
    if is_blank(value):
        return None
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in TARGET_VALUES:
        raise AreaValueError("target", value, "it must be yes, no or left blank")
    return TARGET_VALUES[text]
