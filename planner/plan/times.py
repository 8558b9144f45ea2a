"""Times as people read them: one format per use, in the district's time zone.

Every date, time of day, moment and duration that a page, a printed sheet, a calendar entry or
a command shows is written here, one way per use:

========== ================================ ==============================
use        Chinese                          English
========== ================================ ==============================
date       2026年12月7日 星期一             Mon 7 Dec 2026
short date 12月7日 周一                      Mon 7 Dec
date-time  2026年12月7日 14:05              7 Dec 2026, 14:05
time       14:05                            14:05
plan clock 22:00, 06:00+1 (next day)        the same
duration   2小时05分                        2 h 05 min
========== ================================ ==============================

Moments are shown in a time zone given by the caller (the district's); a moment without one
is taken as UTC, as the database stores moments. What machines read (the JSON API, plan
documents) stays ISO 8601 with its offset (:func:`iso`). Dates and names come from Babel's
CLDR data, so weekday and month names follow the language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time

Lang = Literal["zh", "en"]

LOCALES = {"zh": Locale.parse("zh_Hans_CN"), "en": Locale.parse("en")}
"""Babel locale of each language; parsed once, as Babel would otherwise parse the name again on
every call."""

PATTERNS: dict[str, tuple[str, str]] = {
    # use: (Chinese, English) CLDR patterns; the patterns fix the order, day before month
    "date_long": ("y年M月d日 EEEE", "EEE d MMM y"),
    "date_short": ("M月d日 EEE", "EEE d MMM"),
    "datetime": ("y年M月d日 HH:mm", "d MMM y, HH:mm"),
    "time": ("HH:mm", "HH:mm"),
}
"""How each use writes a date or time."""

DAY_S = 86400


def _pattern(use: str, lang: str) -> str:
    zh, en = PATTERNS[use]
    return zh if lang == "zh" else en


def _locale(lang: str) -> Locale:
    return LOCALES["zh" if lang == "zh" else "en"]


def as_date(value: Any) -> date | None:
    """Return a date from a date, a datetime or ISO text (``"2026-12-07"``), else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def as_datetime(value: Any) -> datetime | None:
    """Return a datetime from a datetime or ISO text, else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def zone_of(zone: tzinfo | str | None) -> tzinfo:
    """Return ``zone`` as a tzinfo: an IANA name (``"Asia/Shanghai"``) is looked up, None is UTC."""
    if zone is None:
        return UTC
    if isinstance(zone, str):
        return ZoneInfo(zone)
    return zone


def local(moment: datetime, zone: tzinfo | str | None) -> datetime:
    """Return ``moment`` in ``zone``; a moment without time zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(zone))


def date_long(value: Any, lang: str) -> str:
    """Return a date in full: 2026年12月7日 星期一 (zh), Mon 7 Dec 2026 (en).

    ``value`` is a date, a datetime or ISO text; anything else is returned as text unchanged.
    """
    day = as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return format_date(day, _pattern("date_long", lang), locale=_locale(lang))


def date_short(value: Any, lang: str) -> str:
    """Return a date without its year: 12月7日 周一 (zh), Mon 7 Dec (en)."""
    day = as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return format_date(day, _pattern("date_short", lang), locale=_locale(lang))


def date_time(value: Any, lang: str, zone: tzinfo | str | None) -> str:
    """Return a moment with its date in ``zone``: 2026年12月7日 14:05 (zh), 7 Dec 2026, 14:05 (en).

    ``value`` is a datetime or ISO text (naive: UTC); anything else is returned as text.
    """
    moment = as_datetime(value)
    if moment is None:
        return "" if value is None else str(value)
    return format_datetime(
        local(moment, zone), _pattern("datetime", lang), tzinfo=zone_of(zone), locale=_locale(lang)
    )


def time_of_day(value: Any, lang: str = "zh", zone: tzinfo | str | None = None) -> str:
    """Return the time of day of a time, a datetime or ISO text: 08:40.

    A moment is shown in ``zone`` when one is given, else in its own offset.
    """
    if isinstance(value, time):
        moment: Any = value
    else:
        parsed = as_datetime(value)
        if parsed is None:
            return "" if value is None else str(value)
        moment = (local(parsed, zone) if zone is not None else parsed).timetz()
    return format_time(moment, _pattern("time", lang), locale=_locale(lang))


def hhmm(seconds: int) -> str:
    """Return the local time of day ``HH:MM`` of seconds from midnight (wrapping past 24 h).

    Examples
    --------
    >>> hhmm(29400), hhmm(108000)
    ('08:10', '06:00')
    """
    minutes = (seconds // 60) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock(seconds: int) -> str:
    """Return ``"HH:MM"`` for seconds from local midnight, with ``"+1"`` on the next day.

    This is how a plan's times of day read (arrivals, windows): seconds from the local
    midnight of the route's date.

    Examples
    --------
    >>> clock(79200), clock(108000)
    ('22:00', '06:00+1')
    """
    day = seconds // DAY_S
    text = hhmm(seconds)
    return f"{text}+{day}" if day > 0 else text


def window(start_s: int, end_s: int) -> str:
    """Return a window of a plan as ``"07:20–08:00"`` (see :func:`clock`)."""
    return f"{clock(start_s)}–{clock(end_s)}"


def duration(seconds: float, lang: str) -> str:
    """Return a duration in hours and minutes: 2小时05分 (zh), 2 h 05 min (en).

    Below an hour only the minutes are written: 45分 / 45 min. Seconds are dropped.

    Examples
    --------
    >>> duration(7500, "en"), duration(2700, "zh")
    ('2 h 05 min', '45分')
    """
    total = max(int(seconds), 0) // 60
    hours, minutes = divmod(total, 60)
    if lang == "zh":
        return f"{hours}小时{minutes:02d}分" if hours else f"{minutes}分"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def iso(moment: datetime, zone: tzinfo | str | None = None) -> str:
    """Return a moment as ISO 8601 with its offset, for machines (the API, documents).

    A moment without time zone is taken as UTC; ``zone`` converts it first when given.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if zone is not None:
        moment = moment.astimezone(zone_of(zone))
    return moment.isoformat()
