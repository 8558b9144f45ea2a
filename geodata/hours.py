"""Opening hours of key areas: when a place is open on a given day, from OSM ``opening_hours``.

A key area's hours are its ``opening_hours`` cell when that is set and parses, else its
category's default (:attr:`geodata.categories.Category.hours`). Both are written in the
OpenStreetMap ``opening_hours`` syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours),
read by ``opening-hours-py``, a maintained parser of the full specification (day and month
ranges, public holidays ``PH``, times past midnight, comments, fallback rules).

A place is open only in the ``open`` state; an ``unknown`` one (``"Sa unknown"``, an open end
that the parser cannot close) counts as closed, so a checkpoint is never planned at a place
that may be shut. Solar times (``sunset-sunrise``) use the parser's defaults, about 07:00 and
19:00, since key areas pass no coordinates.

Parsed expressions and the day intervals they give are cached, so the planner may ask for
every area and day of a horizon (bench/opening_hours.py measures it).
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import opening_hours as oh

from geodata.categories import CATEGORIES
from geodata.windows import is_blank

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger("geodata")

DAY_MINUTES = 1440
"""Minutes in a day."""

HORIZON_MINUTES = 2 * DAY_MINUTES
"""Intervals of a day are followed up to the end of the next day: an interval open at that
point (a place open round the clock) ends at 2880."""

COLUMN = "opening_hours"
"""The optional key-area column of opening hours."""


@functools.lru_cache(maxsize=4096)
def _parsed(text: str, country: str | None) -> oh.OpeningHours | None:
    """Return the parsed expression, or None when ``text`` is not valid syntax."""
    if not oh.validate(text):
        return None
    if country:
        try:
            return oh.OpeningHours(text, country=country)
        except Exception:  # an unknown country code (UnknownCountryError in 2.x)
            logger.warning("opening hours: unknown country %r; no public holidays", country)
    return oh.OpeningHours(text)


def clear_cache() -> None:
    """Forget the parsed expressions and day intervals (for benchmarks and long processes)."""
    _parsed.cache_clear()
    _day_intervals.cache_clear()


def check_hours(text: Any) -> str | None:
    """Return why an ``opening_hours`` cell cannot be used, or None when it can.

    A blank cell is fine (the category's default applies).

    Examples
    --------
    >>> check_hours("Mo-Fr 09:00-17:00") is None
    True
    >>> check_hours("周一至周五")
    'it is not in the OSM opening_hours syntax'
    """
    if is_blank(text):
        return None
    if not isinstance(text, str):
        return "it is not a text"
    if _parsed(text.strip(), None) is None:
        return "it is not in the OSM opening_hours syntax"
    return None


def area_hours(text: Any, category: str) -> str:
    """Return the opening hours that hold for a key area: its own when usable, else the default.

    Parameters
    ----------
    text
        The area's ``opening_hours`` cell (None, NaN or ``""`` when blank).
    category
        The area's category key.
    """
    if isinstance(text, str) and text.strip() and check_hours(text) is None:
        return text.strip()
    return CATEGORIES[category].hours


@functools.lru_cache(maxsize=65536)
def _day_intervals(expression: str, country: str | None, day: date) -> tuple[tuple[int, int], ...]:
    parsed = _parsed(expression, country)
    if parsed is None:  # area_hours passes only valid expressions
        return ()
    start = datetime(day.year, day.month, day.day)
    end = start + timedelta(minutes=HORIZON_MINUTES)
    out: list[tuple[int, int]] = []
    for begin, finish, state, _comment in parsed.intervals(start, end):
        if state != oh.State.OPEN:
            continue
        a = int((begin.replace(tzinfo=None) - start).total_seconds() // 60)
        b = int((finish.replace(tzinfo=None) - start).total_seconds() // 60)
        a, b = max(a, 0), min(b, HORIZON_MINUTES)
        if b <= a:
            continue
        if out and out[-1][1] >= a:  # open on both sides of a comment change: one interval
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple((a, b) for a, b in out if a < DAY_MINUTES)


def open_intervals(
    text: str | None, category: str, day: date, *, country: str | None = None
) -> list[tuple[int, int]]:
    """Return when a key area is open on ``day``, in minutes from local midnight of ``day``.

    Parameters
    ----------
    text
        The area's ``opening_hours`` cell; blank or unparseable means the category's default
        (:func:`area_hours`; :func:`hours_problems` lists the unparseable ones).
    category
        The area's category key (:data:`geodata.categories.CATEGORIES`).
    day
        The local date.
    country
        ISO 3166 code of the district's country (``"CN"``; the manifest's ``country``), for
        public holidays (``PH``); None ignores them (a ``PH`` rule then never applies).

    Returns
    -------
    list of (int, int)
        The open intervals that begin on ``day``, sorted; an interval open at midnight at the
        start of ``day`` begins at 0. An interval may run past 1440 into the next day
        (``"18:00-03:00"`` gives ``(1080, 1620)`` besides ``(0, 180)``), up to 2880 at most
        (``"24/7"`` gives ``[(0, 2880)]``). Empty when the place is closed all day.

    Examples
    --------
    >>> from datetime import date
    >>> open_intervals(None, "bank", date(2026, 12, 7))  # a Monday; banks Mo-Fr 09:00-17:00
    [(540, 1020)]
    >>> open_intervals("Mo-Su 18:00-03:00", "restaurant", date(2026, 12, 7))
    [(0, 180), (1080, 1620)]
    """
    return list(_day_intervals(area_hours(text, category), country or None, day))


def is_open(
    text: str | None, category: str, day: date, minute: int, *, country: str | None = None
) -> bool:
    """Return whether a key area is open at ``minute`` after local midnight of ``day``.

    ``minute`` may run past 1440 into the next day (a night shift's small hours).
    """
    extra, minute = divmod(minute, DAY_MINUTES)
    on = day + timedelta(days=extra)
    return any(a <= minute < b for a, b in open_intervals(text, category, on, country=country))


def hours_problems(key_areas: pd.DataFrame, *, lang: str = "en") -> list[str]:
    """Return one sentence per key area whose ``opening_hours`` cannot be used.

    Such an area keeps its category's default hours; the bundle is not refused for it.

    Parameters
    ----------
    key_areas
        The ``key_areas`` layer (a table without the ``opening_hours`` column has none).
    lang
        ``"en"`` or ``"zh"``.

    Returns
    -------
    list of str
        The sentences, in the layer's row order.
    """
    if COLUMN not in key_areas.columns:
        return []
    out = []
    names = key_areas["name"] if "name" in key_areas.columns else [""] * len(key_areas)
    for ident, name, category, value in zip(
        key_areas["id"], names, key_areas["category"], key_areas[COLUMN], strict=True
    ):
        reason = check_hours(value)
        if reason is None:
            continue
        cat = CATEGORIES.get(str(category))
        named = isinstance(name, str) and bool(name)
        if lang == "zh":
            place = f"{ident}（{name}）" if named else f"{ident} "
            keep = f"沿用{cat.label_zh}的默认时间 {cat.hours}" if cat else "不作营业时间使用"
            out.append(
                f"重点部位 {place}的营业时间 {value!r} 不符合 OSM opening_hours 格式，{keep}。"
            )
        else:
            place = f"{ident} ({name})" if named else f"{ident}"
            keep = (
                f"it keeps the {cat.label_en.lower()} default {cat.hours!r}"
                if cat
                else "it is not used"
            )
            out.append(f"Key area {place} has opening_hours {value!r}, but {reason}; {keep}.")
    return out
