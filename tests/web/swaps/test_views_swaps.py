"""Tests of shift swap requests (web.swaps.views, web.swaps.requests).

The plan is tests/data/plan/plan.json, published as plan 1: group g1 第一组 (张伟, 李娜) works
the day shift 白班 of 30 September 2026 (08:00-20:00, UTC+8) and is off on 1 October; g2 第二组
(王强, 刘洋) is off on 30 September and works the night 夜班 of 1 October (20:00-08:00). The
member user is in g1. The rules the roster is checked against are written into the plan's
data folder (as a plan made by a job keeps them); the clock stands at 07:00 on 30 September,
an hour before g1's shift.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from planner.plan.document import read_plan
from tests.web.conftest import CSRF
from web.accounts.users import create_user
from web.db import Edit, Plan, ShiftSwap, new_session
from web.plans.in_force import publish
from web.plans.store import PLAN_DATA_DIR, import_plan, plan_dir

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

CST = timezone(timedelta(hours=8))
BEFORE_SHIFT = datetime(2026, 9, 30, 7, 0, tzinfo=CST)

RULES = (Path(__file__).parents[2] / "data" / "plan" / "swap_rules.toml").read_text(
    encoding="utf-8"
)
"""The rules of the fixture plan's two groups (tests/data/plan/swap_rules.toml)."""

GIVE = {"mine": "1|g1|2026-09-30", "kind": "give", "other": "g2"}
"""The form of g1 giving its day shift of 30 September to g2."""


def _app(make_web_app, tiny_bundle: Path, data_dir: Path, monkeypatch, rest: int) -> Flask:
    monkeypatch.setattr("web.checkin.records.utcnow", lambda: BEFORE_SHIFT.astimezone(UTC))
    app = make_web_app(district=tiny_bundle, member_groups=("g1",))
    with new_session(app) as session:
        row = import_plan(app, session, data_dir / "plan" / "plan.json", title="Fixture plan")
        publish(session, row, None)
        create_user(session, "wang", "member", "correct horse", method="pbkdf2:sha256:1000",
                    groups=["g2"])  # fmt: skip
        create_user(session, "zhao", "member", "correct horse", method="pbkdf2:sha256:1000",
                    groups=["g3"])  # fmt: skip
    data = plan_dir(app, 1) / PLAN_DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    (data / "rules.toml").write_text(
        RULES.replace("min_rest_hours = 12", f"min_rest_hours = {rest}"), encoding="utf-8"
    )
    return app


@pytest.fixture
def app(make_web_app, tiny_bundle: Path, data_dir: Path, monkeypatch) -> Flask:
    """The app with the fixture plan in force, checked against 12 h of rest."""
    return _app(make_web_app, tiny_bundle, data_dir, monkeypatch, rest=12)


@pytest.fixture
def strict_app(make_web_app, tiny_bundle: Path, data_dir: Path, monkeypatch) -> Flask:
    """The same app with 36 h of rest asked, which g2 taking g1's day shift breaks."""
    return _app(make_web_app, tiny_bundle, data_dir, monkeypatch, rest=36)


def _text(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    return unescape(response.get_data(as_text=True))


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _post(client: FlaskClient, url: str, **form: str):
    return client.post(url, data={"csrf_token": CSRF, **form})


def _ask(client: FlaskClient, form: dict[str, str]) -> int:
    response = _post(client, "/swaps/new", confirm="1", **form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_member_asks_the_captain_approves_and_the_roster_changes(app: Flask, client_as) -> None:
    """Tests the whole way of a swap: the form offers my shift, the check shows what changes
    in words, the request waits on both pages, the approval rewrites the plan's roster (same
    route id, the other group's crew) and is recorded in the edit history."""
    member = client_as(app, "member")
    form = _text(member.get("/swaps/new?lang=zh"))
    assert '<option value="1|g1|2026-09-30">2026年9月30日 星期三 白班 08:00-20:00 · 第一组' in form
    assert "第二组（王强、刘洋）" in form

    preview = _words(_text(_post(member, "/swaps/new?lang=zh", confirm="0", **GIVE)))
    assert "换班后的排班不违反任何排班规则。" in preview
    assert "第一组 2026年9月30日 星期三：白班 → 休" in preview
    assert "第二组 2026年9月30日 星期三：休 → 白班" in preview
    assert "由 第一组 改为 第二组" in preview
    assert "第二组：班次 1 → 2，夜班 1 → 1" in preview
    with new_session(app) as session:
        assert session.scalar(select(ShiftSwap)) is None  # a check stores nothing

    swap_id = _ask(member, {**GIVE, "note": "家里有事"})
    page = _words(_text(member.get(f"/swaps/{swap_id}?lang=zh")))
    assert "第一组 把 2026年9月30日 星期三 白班 让给 第二组（王强、刘洋）" in page
    assert "状态：待审批" in page and "家里有事" in page
    assert "换班后的排班不违反任何排班规则。" in page and "批准" not in page
    me = _words(_text(member.get("/me?lang=zh")))
    assert f"#{swap_id} 待审批 第一组 把 2026年9月30日 星期三 白班 让给" in me

    captain = client_as(app, "captain")
    listed = _words(_text(captain.get("/swaps?lang=zh")))
    assert f"#{swap_id} 待审批" in listed
    done = _post(captain, f"/swaps/{swap_id}/approve?lang=zh")
    assert done.status_code == 302
    page = _words(_text(captain.get(f"/swaps/{swap_id}?lang=zh")))
    assert re.search(r"状态：已批准 captain 于 2026年\d+月\d+日 \d\d:\d\d", page)
    assert re.search(r"已批准换班申请 #\d+，现行方案的排班已修改（修改记录 #\d+）。", page)

    with new_session(app) as session:
        row = session.get(Plan, 1)
        assert row is not None
        doc = read_plan(row.plan_file(app.instance_path))
        edit = session.scalar(select(Edit).where(Edit.kind == "roster"))
        assert edit is not None and edit.action == "swap" and edit.target == "plan-1"
        assert json.loads(edit.before) == {"g1/2026-09-30": "D", "g2/2026-09-30": None}
        assert json.loads(edit.after) == {"g1/2026-09-30": None, "g2/2026-09-30": "D"}
    assert doc.roster.schedule == {"g1": (None, None), "g2": ("D", "N")}
    assert doc.routes[0].id == "g1-2026-09-30-D" and doc.routes[0].group_id == "g2"
    assert next(v for v in doc.validation if v.name == "roster").ok
    audit = _words(_text(captain.get("/audit/?lang=zh")))
    assert "排班 换班 plan-1" in audit and "第一组 2026年9月30日 星期三 白班 休" in audit
    me = _words(_text(member.get("/me?lang=zh")))
    assert "今日无班次。" in me and f"#{swap_id} 已批准" in me


def test_a_swap_that_breaks_a_rule_says_which_and_cannot_be_approved(
    strict_app: Flask, client_as
) -> None:
    """Tests that with 36 h of rest asked the check names the broken rest rule in Chinese and
    in English, that the captain's approval is refused with that sentence and changes nothing,
    and that a refusal needs a reason, which the member then reads."""
    app = strict_app
    member = client_as(app, "member")
    preview = _words(_text(_post(member, "/swaps/new?lang=zh", confirm="0", **GIVE)))
    rest = (
        "第二组 在 2026年9月30日 星期三 的 白班 结束后 24 小时就上 2026年10月1日 星期四 的 夜班，"
        "规则要求休息 36 小时。"
    )
    assert "换班后会违反以下规则：" in preview and rest in preview
    english = _words(_text(_post(member, "/swaps/new?lang=en", confirm="0", **GIVE)))
    assert (
        "Group 2 would work Night on Thu 1 Oct 2026 24 h after its Day of Wed 30 Sep 2026 "
        "ends; the rules ask for 36 h of rest." in english
    )
    swap_id = _ask(member, GIVE)
    before = (Path(app.instance_path) / "plans" / "1" / "plan.json").read_bytes()

    captain = client_as(app, "captain")
    refused = _words(_text(_post(captain, f"/swaps/{swap_id}/approve?lang=zh"), 409))
    assert "换班后的排班违反排班规则，不能批准：" + rest in refused
    assert (Path(app.instance_path) / "plans" / "1" / "plan.json").read_bytes() == before
    no_reason = _words(_text(_post(captain, f"/swaps/{swap_id}/refuse?lang=zh", reason=" "), 400))
    assert "请写明拒绝理由。" in no_reason
    assert _post(captain, f"/swaps/{swap_id}/refuse", reason="休息不足").status_code == 302
    page = _words(_text(member.get(f"/swaps/{swap_id}?lang=zh")))
    assert "状态：已拒绝" in page and "拒绝理由：休息不足" in page
    again = _words(_text(_post(captain, f"/swaps/{swap_id}/approve?lang=zh"), 409))
    assert f"换班申请 #{swap_id} 已处理。" in again
    with new_session(app) as session:
        assert session.scalar(select(Edit).where(Edit.kind == "roster")) is None


@pytest.mark.parametrize(
    ("form", "sentence"),
    [
        # no shift chosen
        ({"mine": "", "kind": "give", "other": "g2"}, "请选择您的一个班次。"),
        # neither give nor swap
        ({**GIVE, "kind": "lend"}, "请选择让班或对换。"),
        # a day of their shift that is no date
        (
            {**GIVE, "kind": "swap", "other_day": "10/01"},
            "对方班次的日期“10/01”无效，应为 YYYY-MM-DD。",
        ),
        # a shift of a group that is not mine
        ({"mine": "1|g2|2026-10-01", "kind": "give", "other": "g1"}, "第二组 不是您的班组"),
        # g1 is off on 1 October
        (
            {"mine": "1|g1|2026-10-01", "kind": "give", "other": "g2"},
            "第一组 在 2026年10月1日 星期四 休息",
        ),
        # a swap with g2 on 30 September, when g2 is off
        (
            {**GIVE, "kind": "swap", "other_day": "2026-09-30"},
            "第二组 在 2026年9月30日 星期三 休息，没有可对换的班次。",
        ),
        # a plan that is not there
        ({**GIVE, "mine": "7|g1|2026-09-30"}, "该班次所在方案已不是现行方案"),
    ],
)
def test_a_refused_request_says_why_in_chinese_and_keeps_the_form(
    app: Flask, client_as, form: dict[str, str], sentence: str
) -> None:
    """Tests that each wrong request is answered with one Chinese sentence (400), the form
    keeps the note typed, and nothing is stored."""
    member = client_as(app, "member")
    page = _text(_post(member, "/swaps/new?lang=zh", confirm="1", note="备注原文", **form), 400)
    assert sentence in _words(page)
    assert "备注原文</textarea>" in page
    with new_session(app) as session:
        assert session.scalar(select(ShiftSwap)) is None


def test_who_sees_withdraws_and_the_shift_that_started(app: Flask, client_as, monkeypatch) -> None:
    """Tests that the other group's member sees the request and a member of neither group
    does not, that only the asker withdraws it, that a second request for the same shift is
    refused, and that once the shift has started it is not offered nor accepted."""
    member = client_as(app, "member")
    swap_id = _ask(member, GIVE)
    assert f"#{swap_id}" in _text(client_as(app, "wang").get("/me?lang=zh"))
    assert client_as(app, "zhao").get(f"/swaps/{swap_id}").status_code == 404
    assert f"#{swap_id}" not in _text(client_as(app, "zhao").get("/swaps"))
    assert client_as(app, "viewer").get("/swaps").status_code == 403
    twice = _words(_text(_post(member, "/swaps/new?lang=zh", confirm="1", **GIVE), 400))
    assert f"该班次已有待审批的换班申请 #{swap_id}。" in twice
    not_mine = _post(client_as(app, "wang"), f"/swaps/{swap_id}/withdraw?lang=zh")
    assert "只有申请人可以撤回申请。" in _text(not_mine, 400)
    assert _post(member, f"/swaps/{swap_id}/withdraw").status_code == 302
    assert "状态：已撤回" in _words(_text(member.get(f"/swaps/{swap_id}?lang=zh")))

    started = datetime(2026, 9, 30, 8, 30, tzinfo=CST)
    monkeypatch.setattr("web.checkin.records.utcnow", lambda: started.astimezone(UTC))
    assert "1|g1|2026-09-30" not in _text(member.get("/swaps/new"))
    late = _words(_text(_post(member, "/swaps/new?lang=zh", confirm="1", **GIVE), 400))
    assert "该班次已开始，不能再换班。" in late


def test_a_damaged_rules_file_is_said_in_one_sentence(app: Flask, client_as) -> None:
    """Tests that when the plan's rules file cannot be read the check says so (400) and the
    request is not stored."""
    (plan_dir(app, 1) / PLAN_DATA_DIR / "rules.toml").write_text("[[shifts]\n", encoding="utf-8")
    member = client_as(app, "member")
    page = _words(_text(_post(member, "/swaps/new?lang=zh", confirm="0", **GIVE), 400))
    assert "排班规则文件无法读取，无法检查换班后的排班。" in page
    sent = _words(_text(_post(member, "/swaps/new?lang=en", confirm="1", **GIVE), 400))
    assert "The rules file the roster is checked against cannot be read." in sent
    with new_session(app) as session:
        assert session.scalar(select(ShiftSwap)) is None


def test_a_run_begun_before_the_plan_says_so_in_both_languages(app: Flask) -> None:
    """Tests that a run counting the days carried in says how many of them were carried in."""
    from planner.checks.plan_roster import RosterFinding
    from web.swaps.views import Names, finding_text

    values: dict[str, str | int | float] = {"group": "g1", "n": 3, "day": "2026-09-28"}
    values |= {"limit": 2, "carried": 2}
    finding = RosterFinding("nights_in_row", values, "")
    for lang, want in (
        ("en", "2 of them carried in before the plan"),
        ("zh", "其中 2 个在方案开始前"),
    ):
        with app.test_request_context(f"/?lang={lang}"):
            said = finding_text(Names(None), finding)
        assert want in said and "g1" in said, said
    within = RosterFinding("nights_in_row", {k: v for k, v in values.items() if k != "carried"})
    with app.test_request_context("/?lang=en"):
        assert "carried" not in finding_text(Names(None), within)
