"""Tests of the check-in service: tokens, refusals, lateness, the ledger and the shortfall.

The plan is tests/data/plan/plan.json (district time Asia/Shanghai, UTC+8): group g1 works the
day shift 08:00-20:00 on 2026-09-30, route stops B, 1 (window 07:40-08:30, arrival 08:04:10),
2 (no window, arrival 08:23:33), 3 (alley), B; group g2 the night shift 20:00-08:00 from
2026-10-01, stops B, 1 (the same alley), 2, 3, B.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from sqlalchemy import func, select

from planner.plan.document import read_plan
from web.checkin.records import (
    GRACE,
    REASONS,
    CheckInError,
    check_in,
    checkpoint_tokens,
    distance_m,
    find_checkpoint,
    late_minutes,
    ledger,
    make_token,
    shortfall,
    stop_key,
    token_expiry,
)
from web.db import CheckIn, Plan, find_user, new_session
from web.plans.store import import_plan

if TYPE_CHECKING:
    from collections.abc import Callable


CST = timezone(timedelta(hours=8))
DURING_DAY = datetime(2026, 9, 30, 8, 10, tzinfo=CST)
"""A moment inside g1's day shift."""
AFTER_ALL = datetime(2026, 10, 2, 9, 0, tzinfo=CST)
"""A moment after both shifts (and before the night shift's tokens expire at 10:00)."""
METRE_LAT = 1 / 110_574
"""Degrees of latitude in one metre (as web.checkin.records measures)."""


@pytest.fixture
def doc(data_dir: Path):
    return read_plan(data_dir / "plan" / "plan.json")


@pytest.fixture
def app(make_web_app: Callable[..., Flask], data_dir: Path) -> Flask:
    """An app whose member is in group g1, with the fixture plan stored twice (plans 1 and 2)."""
    app = make_web_app(member_groups=("g1",))
    with new_session(app) as session:
        for title in ("Fixture plan", "Same plan again"):
            import_plan(app, session, data_dir / "plan" / "plan.json", title=title)
    return app


def _token(app: Flask, doc, route: int, index: int, plan_id: int = 1) -> str:
    key = f"{doc.routes[route].id}/{index}"
    return checkpoint_tokens(app, plan_id, doc)[key]


def _sign(app: Flask, token: str, *, user: str = "member", dy_m: float = 0.0, **kw):
    """Check in as ``user`` at the checkpoint's own position moved ``dy_m`` metres north."""
    with new_session(app) as session:
        point, _row = find_checkpoint(app, session, token, now=kw.get("now", DURING_DAY))
        args = {
            "lon": point.stop.lon,
            "lat": point.stop.lat + dy_m * METRE_LAT,
            "accuracy_m": 10.0,
            "now": DURING_DAY,
        }
        args.update(kw)
        return check_in(app, session, token, user=find_user(session, user), **args)


def _count(app: Flask) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count(CheckIn.id))))


def _refused(app: Flask, token: str, reason: str, **kw) -> CheckInError:
    before = _count(app)
    with pytest.raises(CheckInError) as info:
        _sign(app, token, **kw)
    assert info.value.reason == reason, str(info.value)
    assert str(info.value).endswith("."), "one plain sentence"
    assert _count(app) == before, "a refused check-in stores nothing"
    return info.value


def test_every_reason_has_a_sentence_in_both_languages(app: Flask, doc) -> None:
    """Tests that each reason code has its Chinese and English page text, filled with the
    values the refusal carries."""
    from web.i18n import MESSAGES, translate

    for reason in REASONS:
        zh, en = MESSAGES[f"ci_err_{reason}"]
        assert zh and en and zh != en
    token = _token(app, doc, 0, 1)
    err = _refused(app, token, "not_yet", now=datetime(2026, 9, 30, 6, 0, tzinfo=CST))
    assert translate("ci_err_not_yet", "en", **err.values) == (
        "The check-in code is not valid yet: sign in from 1 h before the shift (2026-09-30 08:00)."
    )
    err = _refused(app, token, "expired", now=datetime(2026, 10, 1, 9, 0, tzinfo=CST))
    assert (
        translate("ci_err_expired", "zh", **err.values) == "签到码已过期：该班次已结束超过 2 小时。"
    )


def test_tokens_one_per_stop_and_stable(app: Flask, doc) -> None:
    """Tests that every stop of every route has its own token, that the same stop always gets
    the same token, and that stop keys are route id and stop index."""
    tokens = checkpoint_tokens(app, 1, doc)
    assert len(tokens) == sum(len(r.stops) for r in doc.routes) == 10
    assert len(set(tokens.values())) == 10
    assert tokens == checkpoint_tokens(app, 1, doc)
    route = doc.routes[0]
    assert stop_key(route, route.stops[2]) == f"{route.id}/2"
    # The base appears first and last: two checkpoints with their own keys.
    assert stop_key(route, route.stops[0]) != stop_key(route, route.stops[-1])
    # Night shift 20:00 on 10-01 to 08:00 on 10-02, plus two hours.
    assert token_expiry(doc, doc.routes[1]) == datetime(2026, 10, 2, 10, 0, tzinfo=CST)


def test_good_check_in_is_recorded_and_in_the_ledger(app: Flask, doc) -> None:
    """Tests that a member of the route's group at the checkpoint is signed in on time and that
    the ledger counts it for its place, group and day."""
    record = _sign(app, _token(app, doc, 0, 1), dy_m=20)
    assert record.id is not None
    assert record.stop == f"{doc.routes[0].id}/1"
    assert record.site == "osm-n4745751722"
    assert (record.group_id, record.day, record.shift) == ("g1", "2026-09-30", "D")
    assert record.late_minutes == 0.0
    assert record.distance_m == pytest.approx(20, abs=0.5)
    with new_session(app) as session:
        book = ledger(session, 1, doc, now=DURING_DAY)
        other = ledger(session, 2, doc, now=DURING_DAY)
    area = next(r for r in book.by_area if r.key == "osm-n4745751722")
    assert (area.planned, area.done, area.late, area.missed) == (1, 1, 0, 0)
    g1 = next(r for r in book.by_group if r.key == "g1")
    assert (g1.planned, g1.done, g1.missed, g1.pending) == (5, 1, 0, 4)
    day = next(r for r in book.by_day if r.key == "2026-09-30")
    assert (day.planned, day.done) == (5, 1)
    assert (book.total.planned, book.total.done) == (10, 1)
    visit = next(v for v in book.visits if v.stop_key == record.stop)
    assert visit.status == "done"
    assert visit.checked_at == DURING_DAY
    assert other.total.done == 0, "a check-in counts for its own plan only"


def test_forged_tokens_are_refused(app: Flask, doc) -> None:
    """Tests that a token with a changed signature, a changed payload or another app's key is
    refused as forged."""
    token = _token(app, doc, 0, 1)
    payload, _dot, signature = token.rpartition(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    _refused(app, f"{payload}.{flipped}", "forged")
    _refused(app, "x" + token, "forged")
    _refused(app, "not-a-token", "forged")
    other = Flask("another_installation")
    other.config["SECRET_KEY"] = "another key"
    other_key = make_token(
        other,
        1,
        f"{doc.routes[0].id}/1",
        "osm-n4745751722",
        doc.routes[0].stops[1].lon,
        doc.routes[0].stops[1].lat,
        token_expiry(doc, doc.routes[0]),
    )
    _refused(app, other_key, "forged")


def test_expired_and_early_tokens_are_refused(app: Flask, doc) -> None:
    """Tests that a token signs in until two hours after its shift ends, not after, and not
    more than an hour before the shift starts."""
    token = _token(app, doc, 0, 1)
    shift_end = datetime(2026, 9, 30, 20, 0, tzinfo=CST)
    _refused(app, token, "expired", now=shift_end + GRACE + timedelta(seconds=1))
    _refused(app, token, "not_yet", now=datetime(2026, 9, 30, 6, 59, tzinfo=CST))
    record = _sign(app, token, now=shift_end + GRACE - timedelta(minutes=1))
    assert record.late_minutes == (21 * 60 + 59) - (8 * 60 + 30)  # 21:59 against 08:30


def test_token_of_another_plan_is_refused(app: Flask, doc) -> None:
    """Tests that a token of plan 2 is refused on a page of plan 1, that a token printed for an
    earlier plan document under the same id (another digest, site or checkpoint position) is
    refused, and that a plan no longer ready is."""
    token = _token(app, doc, 0, 1, plan_id=2)
    _refused(app, token, "other_plan", plan_id=1)
    route, stop = doc.routes[0], doc.routes[0].stops[1]
    earlier = make_token(
        app,
        1,
        f"{route.id}/1",
        stop.site_id,
        stop.lon,
        stop.lat,
        token_expiry(doc, route),
        doc_tag="0123456789",
    )
    _refused(app, earlier, "other_plan")
    wrong_site = make_token(
        app, 1, f"{route.id}/1", "osm-n-walmart", stop.lon, stop.lat, token_expiry(doc, route)
    )
    _refused(app, wrong_site, "other_plan")
    moved = make_token(
        app, 1, f"{route.id}/1", stop.site_id, stop.lon + 0.001, stop.lat, token_expiry(doc, route)
    )
    _refused(app, moved, "other_plan")
    with new_session(app) as session:
        session.get(Plan, 2).status = "failed"
        session.commit()
    _refused(app, token, "plan_not_ready")


def test_far_away_is_refused_with_the_accuracy_allowance(app: Flask, doc) -> None:
    """Tests that 150 m plus the reported accuracy (counted up to 100 m) is allowed, and that
    farther, a worse accuracy, or a nonsense position is refused."""
    token = _token(app, doc, 0, 2)
    err = _refused(app, token, "too_far", dy_m=170, accuracy_m=10.0)
    assert err.values == {"distance": 170, "limit": 160}
    _refused(app, token, "too_far", dy_m=260, accuracy_m=5000.0)
    _refused(app, token, "bad_position", lat=float("nan"))
    _refused(app, token, "bad_position", lon=200.0)
    _refused(app, token, "bad_position", accuracy_m=-1.0)
    record = _sign(app, token, dy_m=240, accuracy_m=5000.0)
    assert record.distance_m == pytest.approx(240, abs=0.5)
    assert record.accuracy_m == 5000.0


def test_alley_distance_is_to_the_walked_segment(doc) -> None:
    """Tests that the distance to an alley checkpoint is measured to its segment, so its far
    end is as good as its start."""
    alley = doc.routes[0].stops[3]
    assert alley.end_lon is not None
    assert distance_m(alley.end_lon, alley.end_lat, alley) == pytest.approx(0, abs=0.01)
    mid_lon = (alley.lon + alley.end_lon) / 2
    mid_lat = (alley.lat + alley.end_lat) / 2
    assert distance_m(mid_lon, mid_lat, alley) == pytest.approx(0, abs=0.01)
    assert distance_m(alley.lon, alley.lat + 50 * METRE_LAT, alley) < 50


def test_wrong_group_and_roles_are_refused(app: Flask, doc) -> None:
    """Tests that a member not in the route's group and a planner are refused, and that a
    captain may sign in on any route."""
    night = _token(app, doc, 1, 2)
    night_time = datetime(2026, 10, 2, 0, 5, tzinfo=CST)
    err = _refused(app, night, "not_on_route", now=night_time)
    assert err.values == {"group": "g2"}
    _refused(app, night, "not_allowed", user="planner", now=night_time)
    _refused(app, night, "not_allowed", user="viewer", now=night_time)
    record = _sign(app, night, user="captain", now=night_time)
    assert record.group_id == "g2"


def test_second_check_in_is_refused(app: Flask, doc) -> None:
    """Tests that the same user cannot sign in twice at one stop, while another user can."""
    token = _token(app, doc, 0, 1)
    _sign(app, token)
    _refused(app, token, "already", now=DURING_DAY + timedelta(minutes=5))
    _sign(app, token, user="captain")
    assert _count(app) == 2
    with new_session(app) as session:
        book = ledger(session, 1, doc, now=DURING_DAY)
    visit = next(v for v in book.visits if v.stop_key.endswith("/1") and v.group_id == "g1")
    assert len(visit.users) == 2
    assert book.total.done == 1, "a stop counts once however many sign in"


def test_lateness_against_window_and_arrival(app: Flask, doc) -> None:
    """Tests that a stop with a window is late after the window closes (08:30) and a stop
    without one fifteen minutes after its planned arrival (08:23:33)."""
    route = doc.routes[0]
    window_stop, plain_stop = route.stops[1], route.stops[2]
    at = datetime(2026, 9, 30, 8, 45, tzinfo=CST)
    assert late_minutes(doc, route, window_stop, at) == 15.0
    assert late_minutes(doc, route, window_stop, datetime(2026, 9, 30, 8, 29, tzinfo=CST)) == 0
    assert late_minutes(doc, route, plain_stop, datetime(2026, 9, 30, 8, 38, tzinfo=CST)) == 0
    late = datetime(2026, 9, 30, 8, 40, 33, tzinfo=CST)
    assert late_minutes(doc, route, plain_stop, late) == 2.0
    record = _sign(app, _token(app, doc, 0, 1), now=at)
    assert record.late_minutes == 15.0
    with new_session(app) as session:
        book = ledger(session, 1, doc, now=at)
    assert [v.stop_key for v in book.late] == [record.stop]
    area = next(r for r in book.by_area if r.key == "osm-n4745751722")
    assert (area.done, area.late) == (1, 1)


def test_missed_once_the_shift_has_ended(app: Flask, doc) -> None:
    """Tests that a checkpoint without a check-in is pending during its shift and missed from
    the moment the shift ends; other shifts stay pending until theirs end."""
    _sign(app, _token(app, doc, 0, 3))
    with new_session(app) as session:
        during = ledger(session, 1, doc, now=datetime(2026, 9, 30, 19, 59, tzinfo=CST))
        ended = ledger(session, 1, doc, now=datetime(2026, 9, 30, 20, 0, tzinfo=CST))
        after = ledger(session, 1, doc, now=AFTER_ALL)
    assert during.missed == []
    g1 = next(r for r in ended.by_group if r.key == "g1")
    g2 = next(r for r in ended.by_group if r.key == "g2")
    assert (g1.done, g1.missed, g1.pending) == (1, 4, 0)
    assert (g2.missed, g2.pending) == (0, 5)
    assert len(after.missed) == 9
    assert {v.group_id for v in after.missed} == {"g1", "g2"}
    assert after.total.share == pytest.approx(0.1)


def test_shortfall_factors(app: Flask, doc) -> None:
    """Tests the dose boost: the alley signed in on one of its two visits asks for half again
    (1.5), key areas missed outright for double (2.0); posts are left out, and nothing is asked
    while the shifts have not ended."""
    _sign(app, _token(app, doc, 0, 3))  # the alley in the day shift
    with new_session(app) as session:
        assert shortfall(session, 1, doc, now=DURING_DAY) == {}
        boost = shortfall(session, 1, doc, now=AFTER_ALL)
    assert boost == {
        "alley-yangpixiang": 1.5,
        "osm-n-cmb": 2.0,
        "osm-n-hema": 2.0,
        "osm-n-walmart": 2.0,
        "osm-n4745751722": 2.0,
    }
    assert "osm-n4405637928" not in boost  # the base post serves no key area
