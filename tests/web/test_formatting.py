"""Tests of the locale formatting of dates, times and numbers (web/formatting.py)."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, time
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from web import formatting as fmt
from web.db import new_session
from web.plans.store import import_plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask

MONDAY = date(2026, 12, 7)


def test_dates_in_each_language() -> None:
    """Tests that a date reads 2026年12月7日 星期一 in Chinese and Mon 7 Dec 2026 in English,
    from a date, a datetime or ISO text."""
    assert fmt.date_long(MONDAY, "zh") == "2026年12月7日 星期一"
    assert fmt.date_long(MONDAY, "en") == "Mon 7 Dec 2026"
    assert fmt.date_long("2026-12-07", "en") == "Mon 7 Dec 2026"
    assert fmt.date_long(datetime(2026, 12, 7, 23, 0), "zh") == "2026年12月7日 星期一"
    assert fmt.date_short("2026-09-30", "zh") == "9月30日 周三"
    assert fmt.date_short("2026-09-30", "en") == "Wed 30 Sep"
    assert fmt.date_long("not a date", "en") == "not a date"
    assert fmt.date_long(None, "en") == ""


def test_moments_are_shown_in_the_display_zone() -> None:
    """Tests that a stored UTC moment is written in the district's time zone, and a naive one
    is taken as UTC."""
    shanghai = ZoneInfo("Asia/Shanghai")
    moment = datetime(2026, 12, 6, 22, 5, tzinfo=UTC)
    assert fmt.date_time(moment, "zh", shanghai) == "2026年12月7日 06:05"
    assert fmt.date_time(moment, "en", shanghai) == "7 Dec 2026, 06:05"
    assert fmt.date_time(moment.replace(tzinfo=None), "en", shanghai) == "7 Dec 2026, 06:05"
    assert fmt.date_time(moment, "en", UTC) == "6 Dec 2026, 22:05"


def test_clock_keeps_the_moment_own_offset() -> None:
    """Tests that a planned time shows the hour of its own offset (the plan's local time)."""
    assert fmt.clock("2026-09-30T08:44:31+08:00", "en") == "08:44"
    assert fmt.clock(time(7, 5), "zh") == "07:05"
    assert fmt.clock("", "zh") == ""


def test_numbers() -> None:
    """Tests grouping, fixed decimals, numeric text and values that are not numbers."""
    assert fmt.number(12345.678, 1, "zh") == "12,345.7"
    assert fmt.number(12345.678, 1, "en") == "12,345.7"
    assert fmt.number("3.46", 1, "en") == "3.5"
    assert fmt.number(7, None, "en") == "7"
    assert fmt.number(2.0, 0, "en") == "2"
    assert fmt.number(float("nan"), 1, "en") == "—"
    assert fmt.number("n/a", 1, "en") == "n/a"
    assert fmt.number(None) == ""
    assert fmt.percent(0.456, 0, "zh") == "46%"
    assert fmt.percent(0.456, 1, "en") == "45.6%"


@pytest.fixture
def plan_app(make_web_app: Callable[..., Flask], data_dir: Path) -> Flask:
    app = make_web_app()
    with new_session(app) as session:
        import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
    return app


def test_pages_use_the_filters(
    plan_app: Flask, client_as: Callable[[Flask, str | None], object]
) -> None:
    """Tests that the plan list, plan page, roster calendar and route page write dates, times
    and numbers for the page's language."""
    assert {"date_long", "date_short", "datetime", "clock", "number"} <= set(
        plan_app.jinja_env.filters
    )
    client = client_as(plan_app, "admin")
    zh = html.unescape(client.get("/plans/?lang=zh").get_data(as_text=True))
    en = html.unescape(client.get("/plans/?lang=en").get_data(as_text=True))
    assert "2026年9月30日 星期三" in zh and "Wed 30 Sep 2026" in en
    assert " UTC" not in en  # moments are in the district's own time zone
    plan_zh = html.unescape(client.get("/plans/1?lang=zh").get_data(as_text=True))
    plan_en = html.unescape(client.get("/plans/1?lang=en").get_data(as_text=True))
    assert "· 2026年9月30日 星期三 ·" in plan_zh
    assert '<time datetime="2026-09-30">9月30日 周三</time>' in plan_zh
    assert '<time datetime="2026-10-01">Thu 1 Oct</time>' in plan_en
    route = client.get("/plans/1?lang=en").get_data(as_text=True)
    first = route.split("/routes/")[1].split('"')[0]
    page = html.unescape(client.get(f"/plans/1/routes/{first}?lang=en").get_data(as_text=True))
    assert "Wed 30 Sep" in page and "08:00–" in page
