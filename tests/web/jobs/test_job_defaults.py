"""Tests of the planning form's defaults (web.jobs.defaults) and what the form says of them."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest

from web.jobs.defaults import next_monday

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        ("2026-12-04", "2026-12-07"),  # a Friday: the coming Monday
        ("2026-12-07", "2026-12-14"),  # a Monday: the next week's
        ("2026-12-13", "2026-12-14"),  # a Sunday: tomorrow
    ],
)
def test_next_monday(today: str, monday: str) -> None:
    """Tests that the form's first day is the Monday after today."""
    assert next_monday(dt.date.fromisoformat(today)).isoformat() == monday


def value_of(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert found is not None, name
    return found.group(1)


def test_the_form_proposes_next_monday_a_week_and_the_full_budget(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that the job form opens on next Monday (district time) for 7 days with the full
    time budget of that week's shifts (5 s roster + 14 x 1.5 s = 26 s for the default
    rules' day and night shifts), and says so and the re-plan limit, in Chinese."""
    app = make_web_app()
    page = client_as(app, "captain").get("/jobs/new").get_data(as_text=True)
    start = dt.date.fromisoformat(value_of(page, "start"))
    assert start.weekday() == 0
    today = dt.datetime.now(dt.UTC).date()
    assert 1 <= (start - today).days <= 8  # a time zone may be a day ahead of UTC
    assert value_of(page, "days") == "7"
    assert value_of(page, "time_limit") == "26"
    hint = re.search(r'<p class="hint" id="job-limits">([^<]*)</p>', page)
    assert hint is not None
    assert "完整时限 26 秒" in hint.group(1) and "14 个班次" in hint.group(1)
    assert "重新排班沿用最新方案的时限：26 秒" in hint.group(1)
