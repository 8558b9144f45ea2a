"""Texts of the captains' live view of today's tours (/live)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav_live": ("今日巡逻", "Live tours"),
    "live_title": ("今日巡逻动态", "Today's tours, live"),
    "live_none": (
        "现行方案中今天没有巡逻单元。",
        "The plans in force hold no unit on patrol today.",
    ),
    "live_updated": ("更新于 {at}", "Updated at {at}"),
    "live_stale": ("无法更新，稍后重试。", "Could not update; trying again shortly."),
    "live_done": ("已签到", "done"),
    "live_late": ("迟到签到", "late"),
    "live_overdue": ("逾期未签", "overdue"),
    "live_missed": ("漏签", "missed"),
    "live_due": ("待签到", "due"),
    "live_running": ("进行中", "on patrol"),
    "live_over": ("已结束", "ended"),
    "live_later": ("未开始", "not started"),
    "live_next_line": ("下一站：{point}", "Next: {point}"),
    "live_no_next": ("没有待签到的签到点。", "No checkpoint left to sign in at."),
    "live_base": ("基点：{name}", "Base: {name}"),
    "live_signed_at": ("{at} 签到", "signed in {at}"),
    "live_due_by": ("最迟 {at}", "by {at}"),
    "live_totals": ("合计", "All units"),
    "live_route": ("路线", "Route"),
    "live_checkpoints": ("签到点", "Checkpoints"),
}
