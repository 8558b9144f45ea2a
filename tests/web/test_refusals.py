"""Tests that a refused form on a Chinese page says why in Chinese and keeps what was typed.

The teams, leave and rules pages put the posted fields back into the refused form
(``script#refused-form`` read by static/refill.js, see the browser test); the job, key area
and raw text forms render them into their fields.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import CSRF
from web.teams.rules_sentences import checker_sentence
from web.workspace import read_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b(?:must|is|not|before|outside|the|line|valid)\b")
"""Words of the checkers' English sentences that a Chinese refusal must not hold."""


def refusal(page: str) -> str:
    found = re.findall(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert len(found) == 1, page[:1500]
    return html.unescape(found[0])


def refilled(page: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="refused-form">(.*?)</script>', page)
    assert found is not None, "the refused form's fields are not on the page"
    return dict(json.loads(found.group(1)))


def assert_chinese(sentence: str) -> None:
    assert CJK.search(sentence), sentence
    assert not ENGLISH.search(sentence), sentence


@pytest.fixture
def captain(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> tuple[Flask, FlaskClient]:
    app = make_web_app()
    return app, client_as(app, "captain")


@pytest.mark.parametrize(
    ("url", "form", "typed"),
    [
        # the teams page: a member with a bad id, a vehicle that exists
        ("/teams/", {"op": "add_member", "id": "Z 1", "name": "张三丰", "group": "A"}, "张三丰"),
        (
            "/teams/",
            {"op": "add_vehicle", "id": "EB01", "mode": "ebike", "name": "新车甲"},
            "新车甲",
        ),
        # the leave calendar: leave ending before it starts, a date that is no date
        (
            "/teams/leave",
            {
                "op": "add_leave",
                "who": "A2",
                "from": "2026-12-20",
                "to": "2026-12-10",
                "reason": "探亲假",
            },
            "探亲假",
        ),
        ("/teams/leave", {"op": "add_leave", "who": "A2", "from": "20x", "reason": "病假"}, "病假"),
        # the rules page: a negative number of nights
        ("/teams/rules", {"op": "settings_rest", "max_nights_in_row": "-3"}, "-3"),
    ],
)
def test_a_refused_teams_form_speaks_chinese_and_keeps_the_input(
    captain: tuple[Flask, FlaskClient], url: str, form: dict[str, str], typed: str
) -> None:
    """Tests that each refused form of the teams pages says why in a Chinese sentence (the
    rules checker's sentences included) and sends what was typed back to the form."""
    app, c = captain
    before = read_text(app, "teams.toml"), read_text(app, "rules.toml")
    response = c.post(f"{url}?lang=zh", data={**form, "csrf_token": CSRF})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_chinese(refusal(page))
    kept = refilled(page)
    assert kept == form and typed in kept.values()
    assert (read_text(app, "teams.toml"), read_text(app, "rules.toml")) == before


def test_the_raw_editor_speaks_chinese_and_keeps_the_text(
    captain: tuple[Flask, FlaskClient],
) -> None:
    """Tests that the raw rules editor refuses leave that ends before it starts in Chinese,
    naming the line and the setting, and keeps the text."""
    app, c = captain
    text = read_text(app, "rules.toml")
    text += '\n[[leave]]\nmember = "A2"\nfrom = 2026-12-20\nto = 2026-12-10\n'
    response = c.post("/teams/raw/rules?lang=zh", data={"text": text, "csrf_token": CSRF})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    said = refusal(page)
    assert_chinese(said.replace("leave.to", ""))
    assert re.match(r"rules\.toml 第 \d+ 行：请假结束日期（leave\.to）2026-12-10 早于", said)
    assert "to = 2026-12-10" in html.unescape(page)
    broken = c.post("/teams/raw/rules?lang=zh", data={"text": "x = [", "csrf_token": CSRF})
    assert refusal(broken.get_data(as_text=True)).startswith("rules.toml 不是有效的 TOML：")


def test_the_job_form_speaks_chinese_and_keeps_the_input(
    captain: tuple[Flask, FlaskClient],
) -> None:
    """Tests that the job form refuses a date that is no date in Chinese, keeping the title."""
    _app, c = captain
    form = {"title": "下周方案", "start": "2026-13-01", "days": "3", "seed": "0", "time_limit": "9"}
    response = c.post("/jobs/new?lang=zh", data={**form, "csrf_token": CSRF})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_chinese(refusal(page))
    assert 'value="下周方案"' in page and 'value="2026-13-01"' in page


def test_the_key_area_form_speaks_chinese_and_keeps_the_input(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that the key area form refuses a priority of 9 in Chinese, keeping the name."""
    app = make_web_app()
    c = client_as(app, "planner")
    form = {
        "name": "新建部位",
        "category": "school",
        "priority": "9",
        "lon": "118.78",
        "lat": "32.04",
    }
    response = c.post("/areas/new?lang=zh", data={**form, "csrf_token": CSRF})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_chinese(refusal(page))
    assert 'value="新建部位"' in page


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "rules.toml line 17: horizon.days must not be negative (-28).",
            "rules.toml 第 17 行：天数（horizon.days）不能为负数（-28）。",
        ),
        (
            "rules.toml line 129: leave.to date 2026-12-01 is outside the horizon 2026-12-07 "
            "to 2027-01-03.",
            "rules.toml 第 129 行：请假结束日期（leave.to）日期 2026-12-01 不在规划周期 "
            "2026-12-07 至 2027-01-03 之内。",
        ),
        (  # a complaint not in the list keeps its words inside a Chinese sentence
            "rules.toml line 3: crew.size wants something new.",
            "rules.toml 第 3 行：crew.size 不符合规则（wants something new）。",
        ),
        ("Some other sentence.", "Some other sentence."),  # not a checker's sentence
    ],
)
def test_checker_sentences_in_chinese(english: str, chinese: str) -> None:
    """Tests the Chinese of the rules checker's sentences, and English pages keep them."""
    assert checker_sentence(english, "zh") == chinese
    assert checker_sentence(english, "en") == english
