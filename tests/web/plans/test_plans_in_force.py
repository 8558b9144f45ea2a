"""Tests of plans in force (web.plans.in_force, .publish_views): publish, supersede, who sees.

The stored plan is tests/data/plan/plan.json (30 September and 1 October 2026, district
xinjiekou, UTC+8), imported twice as plans 1 and 2.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from html import unescape
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest

from planner.plan.document import read_plan
from tests.web.conftest import CSRF
from web.checkin.records import checkpoint_tokens
from web.db import Plan, new_session
from web.plans.in_force import PublishError, in_force, overlaps, publish, replacement
from web.plans.store import import_plan

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

CST = timezone(timedelta(hours=8))
DURING_DAY = datetime(2026, 9, 30, 8, 10, tzinfo=CST)


def _row(session: Session, title: str, start: str, days: int, district: str = "d") -> Plan:
    row = Plan(title=title, district=district, start=start, days=days, status="ready", path="x")
    session.add(row)
    session.commit()
    return row


def test_publishing_supersedes_only_the_overlapping_published_plan(make_web_app) -> None:
    """Tests that a published plan supersedes the published plans sharing a day of the same
    district, and leaves drafts, later weeks and other districts alone."""
    app = make_web_app()
    with new_session(app) as session:
        week1 = _row(session, "week 1", "2026-12-07", 7)
        week2 = _row(session, "week 2", "2026-12-14", 7)
        other = _row(session, "elsewhere", "2026-12-07", 7, district="e")
        replan = _row(session, "re-plan", "2026-12-13", 2)  # Sunday of week 1, Monday of week 2
        draft = _row(session, "draft", "2026-12-07", 7)
        for row in (week1, week2, other):
            assert publish(session, row, None) == []
        assert [p.title for p in publish(session, replan, None)] == ["week 1", "week 2"]
        states = {p.title: p.state for p in (week1, week2, other, replan, draft)}
        assert states == {
            "week 1": "superseded",
            "week 2": "superseded",
            "elsewhere": "published",
            "re-plan": "published",
            "draft": "draft",
        }
        assert replacement(session, week1) is replan
        assert replacement(session, draft) is None
        assert overlaps(week1, replan) and not overlaps(week1, week2)
        assert replan.published_at is not None


def test_in_force_is_the_plan_of_the_day_else_the_next_one(make_web_app) -> None:
    """Tests that the plan in force is the published plan covering the day, else the next."""
    app = make_web_app()
    with new_session(app) as session:
        week = _row(session, "week", "2026-12-07", 7)
        assert in_force(session, date(2026, 12, 8)) is None
        publish(session, week, None)
        found = in_force(session, date(2026, 12, 8))
        assert found is not None and found.plan is week and found.today
        early = in_force(session, date(2026, 12, 1))
        assert early is not None and early.plan is week and not early.today
        assert in_force(session, date(2026, 12, 14)) is None  # the day after its last
        assert in_force(session, date(2026, 12, 8), district="other") is None


def test_publishing_a_plan_twice_or_unready_is_refused(make_web_app) -> None:
    """Tests that publishing a plan that is not ready, or is published, raises a PublishError."""
    app = make_web_app()
    with new_session(app) as session:
        row = _row(session, "week", "2026-12-07", 7)
        publish(session, row, None)
        with pytest.raises(PublishError, match="already the plan in force") as err:
            publish(session, row, None)
        assert err.value.reason == "already"
        running = Plan(title="r", district="d", start="2026-12-07", days=1, status="running")
        session.add(running)
        session.commit()
        with pytest.raises(PublishError, match="is not ready"):
            publish(session, running, None)
        assert running.state == "draft"


@pytest.fixture
def app(make_web_app, tiny_bundle: Path, data_dir: Path, monkeypatch) -> Flask:
    """The tiny district's app with the fixture plan stored twice as drafts; the clock set
    inside group g1's day shift."""
    monkeypatch.setattr("web.checkin.records.utcnow", lambda: DURING_DAY.astimezone(UTC))
    app = make_web_app(district=tiny_bundle, member_groups=("g1",))
    with new_session(app) as session:
        for title in ("Fixture plan", "Re-plan"):
            import_plan(app, session, data_dir / "plan" / "plan.json", title=title)
    return app


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_members_and_viewers_see_published_plans_only(app: Flask, client_as) -> None:
    """Tests that drafts are hidden from members and viewers (list and pages) and shown with
    their state to planners; once published, a member opens the plan and its route."""
    planner = _text(client_as(app, "planner").get("/plans/"))
    assert planner.count("草稿") == 2 and "Fixture plan" in planner and "Re-plan" in planner
    for role in ("member", "viewer"):
        client = client_as(app, role)
        listing = _text(client.get("/plans/"))
        assert "Fixture plan" not in listing and "Re-plan" not in listing
        assert client.get("/plans/1").status_code == 404
    member = client_as(app, "member")
    assert member.get("/plans/1/print").status_code == 404
    doc_route = read_plan(app.instance_path + "/plans/1/plan.json").routes[0].id
    assert member.get(f"/plans/1/routes/{doc_route}").status_code == 404
    with new_session(app) as session:
        publish(session, session.get(Plan, 1), None)
    listing = _text(member.get("/plans/"))
    assert "Fixture plan" in listing and "Re-plan" not in listing and "现行" in listing
    assert member.get("/plans/1").status_code == 200
    assert member.get(f"/plans/1/routes/{doc_route}").status_code == 200
    assert member.get("/plans/2").status_code == 404


def test_captain_publishes_and_pages_name_the_plan_in_force(app: Flask, client_as) -> None:
    """Tests that a captain publishes plan 1 and then plan 2, which supersedes it; every page
    names the plan in force; planners and members may not publish."""
    for role in ("planner", "member", "viewer"):
        response = client_as(app, role).post("/plans/1/publish", data={"csrf_token": CSRF})
        assert response.status_code == 403, role
    captain = client_as(app, "captain")
    assert "尚无发布的方案。" in _text(captain.get("/plans/"))
    assert "发布为现行方案" in _text(captain.get("/plans/1"))
    page = _text(captain.post("/plans/1/publish", data={"csrf_token": CSRF}, follow_redirects=True))
    assert "方案“Fixture plan”已发布为现行方案。" in page
    assert "现行方案：Fixture plan（2026年9月30日 星期三 起 2 天）" in page
    assert "此方案是其日期的现行方案（captain，" in page
    assert "发布为现行方案</button>" not in page
    again = captain.post("/plans/1/publish?lang=en", data={"csrf_token": CSRF})
    assert "already the plan in force" in _text(captain.get(again.headers["Location"]))

    page = _text(
        captain.post("/plans/2/publish?lang=zh", data={"csrf_token": CSRF}, follow_redirects=True)
    )
    assert "方案“Re-plan”已发布为现行方案，替代了：“Fixture plan”。" in page
    old = _text(captain.get("/plans/1?lang=en"))
    assert "This plan has been superseded; the plan in force is:" in old
    assert 'href="/plans/2">Re-plan</a>' in old
    member_page = _text(client_as(app, "member").get("/map?lang=en"))
    assert "Plan in force: Re-plan (2 days from Wed 30 Sep 2026)" in member_page
    assert client_as(app, None).get("/map").get_data(as_text=True).count("in-force") == 0
    with new_session(app) as session:
        old_row, new_row = session.get(Plan, 1), session.get(Plan, 2)
        assert (old_row.state, new_row.state) == ("superseded", "published")
        assert old_row.published_by.name == new_row.published_by.name == "captain"


def test_check_in_on_a_superseded_plan_points_to_the_plan_in_force(
    app: Flask, data_dir: Path, client_as
) -> None:
    """Tests that the check-in page of a superseded plan's code refuses and links the plan
    in force, in the page's language, and records nothing."""
    doc = read_plan(data_dir / "plan" / "plan.json")
    token = checkpoint_tokens(app, 1, doc)[f"{doc.routes[0].id}/1"]
    with new_session(app) as session:
        publish(session, session.get(Plan, 1), None)
        publish(session, session.get(Plan, 2), None)
    member = client_as(app, "member")
    response = member.get(f"/c/{token}")
    page = _text(response)
    assert response.status_code == 400
    assert "此签到码所属方案已被替代，请按现行方案签到。" in page
    assert 'href="/plans/2">打开现行方案: Re-plan</a>' in page
    assert "superseded" in _text(member.get(f"/c/{token}?lang=en"))
