"""Dates, times and numbers written for the page's language, as Jinja filters (Babel/CLDR).

Times are written by :mod:`planner.plan.times`, the one formatter of times people read; this
module picks the page's language and the district's time zone for it.
"""

from __future__ import annotations

import math
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import format_decimal, format_percent
from flask import current_app, g, has_request_context

from planner.plan import times
from web.i18n import DEFAULT_LANG, current_lang

if TYPE_CHECKING:
    from flask import Flask

LOCALES = times.LOCALES
"""Babel locale of each page language (see :mod:`planner.plan.times`)."""


def _lang(lang: str | None) -> str:
    if lang in LOCALES:
        return lang  # type: ignore[return-value]
    return current_lang() if has_request_context() else DEFAULT_LANG


def display_zone() -> tzinfo:
    """Return the time zone in which the app shows moments (created, started, ...).

    The ``TIME_ZONE`` setting, else the working district's ``time_zone``, else UTC.
    """
    cached = g.get("_patrol_zone") if has_request_context() else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    name = current_app.config.get("TIME_ZONE")
    if not name:
        from web.plans.store import get_district

        try:
            name = (get_district(current_app).manifest or {}).get("time_zone")
        except (OSError, ValueError):  # a page still renders when its district cannot load
            name = None
    try:
        zone: tzinfo = ZoneInfo(str(name)) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    if has_request_context():
        g._patrol_zone = zone
    return zone


def date_long(value: Any, lang: str | None = None) -> str:
    """Return a date in full in the page's language (:func:`planner.plan.times.date_long`)."""
    return times.date_long(value, _lang(lang))


def date_short(value: Any, lang: str | None = None) -> str:
    """Return a date without its year (:func:`planner.plan.times.date_short`)."""
    return times.date_short(value, _lang(lang))


def date_time(value: Any, lang: str | None = None, zone: tzinfo | str | None = None) -> str:
    """Return a moment with its date: 2026年12月7日 14:05 (zh), 7 Dec 2026, 14:05 (en).

    A moment with a time zone is shown in ``zone`` (default :func:`display_zone`); a naive
    one is taken as UTC, as the database stores moments.
    """
    return times.date_time(value, _lang(lang), zone or display_zone())


def clock(value: Any, lang: str | None = None) -> str:
    """Return the time of day of a time, a datetime or ISO text, in its own offset: 08:40."""
    return times.time_of_day(value, _lang(lang))


def duration(seconds: Any, lang: str | None = None) -> str:
    """Return a duration in hours and minutes (:func:`planner.plan.times.duration`)."""
    if seconds is None or seconds == "":
        return ""
    return times.duration(float(seconds), _lang(lang))


def number(value: Any, digits: int | None = None, lang: str | None = None) -> str:
    """Return a number with the locale's separators: 12,345.7; ``digits`` fixes the decimals.

    Numeric text (``"3.5"``) is read as a number; empty values give "" and other text is
    returned unchanged.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    if isinstance(value, int) and digits is None and -1000 < value < 1000:
        return str(value)  # both locales write small whole numbers in plain ASCII digits
    lang = _lang(lang)
    if digits is None:
        return format_decimal(value, locale=LOCALES[lang])
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def percent(value: Any, digits: int = 0, lang: str | None = None) -> str:
    """Return a share (0.5) as a percentage in the locale's style: 50%."""
    if value is None or value == "":
        return ""
    lang = _lang(lang)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return format_percent(float(value), format=pattern, locale=LOCALES[lang])


def name_list(names: Any, lang: str | None = None) -> str:
    """Return names joined as the language lists them: 郭婷、孙磊 / Guo Ting, Sun Lei."""
    sep = "、" if _lang(lang) == "zh" else ", "
    return sep.join(str(n) for n in names)


def code_label(code: Any, prefix: str, lang: str | None = None) -> str:
    """Return the text of a code that a plan or record stores (a stage name, a solver status).

    The catalogue key is ``f"{prefix}_{code}"`` (also tried in lower case, since plan
    documents write statuses as ``OPTIMAL``); a code the catalogue does not know is shown as
    it is, so a new code never breaks a page.
    """
    from web.i18n import MESSAGES, translate

    text = "" if code is None else str(code)
    for key in (f"{prefix}_{text}", f"{prefix}_{text.lower()}"):
        if key in MESSAGES:
            return translate(key, _lang(lang))
    return text


FILTERS = {
    "date_long": date_long,
    "date_short": date_short,
    "datetime": date_time,
    "clock": clock,
    "duration": duration,
    "number": number,
    "percent": percent,
    "code": code_label,
    "names": name_list,
}
"""The Jinja filters, by name: ``{{ plan.start|date_long }}``, ``{{ km|number(1) }}``,
``{{ stage.status|code('solve') }}``."""


def init_formatting(app: Flask) -> None:
    """Register the locale formatting filters of :data:`FILTERS` with the app's templates."""
    app.jinja_env.filters.update(FILTERS)
