"""Texts of the member's day (/me): my shifts, crew, next checkpoint, sign-ins, month."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav_me": ("我的勤务", "My day"),
    "me_title": ("我的勤务", "My day"),
    "me_no_groups": (
        "您的账号尚未关联巡防班组，请联系管理员在用户页面关联。",
        "Your account is not linked to a patrol group; ask an admin to link it on the users page.",
    ),
    "me_today": ("今日班次", "Today"),
    "me_no_shift_today": ("今日无班次。", "No shift today."),
    "me_next": ("下一班次", "Next shift"),
    "me_no_next": (
        "现行方案中没有您之后的班次。",
        "The plans in force hold no later shift of yours.",
    ),
    "me_shift_line": ("{day} {shift} {hours}", "{day} {shift} {hours}"),
    "me_running": ("进行中", "on now"),
    "me_group": ("班组", "Group"),
    "me_unit": ("巡逻单元 {unit}", "Unit {unit}"),
    "me_crew": ("同班队员", "Crew"),
    "me_vehicles": ("车辆", "Vehicles"),
    "me_mode": ("方式", "Mode"),
    "me_route_link": ("查看路线", "Open the route"),
    "me_next_checkpoint": ("下一个签到点", "Next checkpoint"),
    "me_no_checkpoint": (
        "当前及之后的班次没有待签到的签到点。",
        "No checkpoint is waiting for your sign-in in this or a later shift.",
    ),
    "me_checkpoint_line": ("第 {label} 站：{name}", "Stop {label}: {name}"),
    "me_window": ("时间窗", "Window"),
    "me_any_time": ("任意时间", "any time"),
    "me_planned": ("计划到达", "Planned arrival"),
    "me_due": ("最迟", "Due by"),
    "me_sign_in": ("去签到", "Sign in here"),
    "me_last_check_ins": ("我最近的签到", "My last sign-ins"),
    "me_no_check_ins": ("还没有签到记录。", "No sign-ins yet."),
    "me_late": ("迟到 {minutes} 分钟", "{minutes} min late"),
    "me_on_time": ("准时", "on time"),
    "me_month": ("{month} 排班", "Schedule for {month}"),
    "me_month_prev": ("上个月", "Previous month"),
    "me_month_next": ("下个月", "Next month"),
    "me_ics": ("下载本月日历文件", "Download this month as a calendar file"),
    "me_off": ("休", "off"),
    "me_no_plan_day": ("无现行方案", "no plan in force"),
    "me_err_month": (
        "月份“{month}”无效，应为 YYYY-MM 形式（如 2026-12）；已显示本月。",
        "The month \u201c{month}\u201d is not of the form YYYY-MM (e.g. 2026-12); this month "
        "is shown.",
    ),
}
