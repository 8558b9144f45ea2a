"""Texts of many districts in one service: the switcher and the city overview."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "dist_switch": ("辖区", "District"),
    "role_none": ("无角色", "no role"),
    "dist_roles_title": ("各辖区角色", "Roles per district"),
    "dist_roles_hint": (
        "管理员拥有所有辖区。在此设置过角色的用户只拥有这些角色；未设置的用户只在默认辖区拥有其用户页角色。",
        "Admins have every district. A user whose roles are set here has those and no other; "
        "one without has their users-page role in the default district only.",
    ),
    "dist_roles_save": ("保存", "Save"),
    "dist_roles_saved": ("已保存 {name} 的各辖区角色。", "Saved the roles of {name} per district."),
    "dist_err_user": (
        "没有这个用户，或其为管理员（拥有所有辖区）。",
        "There is no such user, or they are an admin (who has every district).",
    ),
    "dist_err_role": ("角色“{role}”不存在。", "There is no role \u201c{role}\u201d."),
    "dist_switch_go": ("切换", "Switch"),
    "dist_err_unknown": (
        "没有可切换到的辖区“{district}”。",
        "There is no district \u201c{district}\u201d you may switch to.",
    ),
    "dist_err_day": (
        "日期“{value}”无法识别，应为 YYYY-MM-DD；显示的是今天。",
        "The day \u201c{value}\u201d is not a date (YYYY-MM-DD); today is shown.",
    ),
    "nav_city": ("全市概览", "City overview"),
    "city_title": ("全市各辖区现行方案", "Plans in force across the city"),
    "city_on": ("日期", "Day"),
    "city_show": ("显示", "Show"),
    "city_col_district": ("辖区", "District"),
    "city_col_plan": ("方案", "Plan"),
    "city_col_gates": ("校门时段有人", "Gate windows covered"),
    "city_col_alleys": ("背街小巷巡逻", "Alleys patrolled"),
    "city_col_areas": ("重点部位达标", "Key areas at their dose"),
    "city_plan_line": (
        "方案 {plan}：{start} 起 {days} 天",
        "Plan {plan}: {days} days from {start}",
    ),
    "city_not_in_force": ("（当日不在其期限内）", "(not in force that day)"),
    "city_open": ("打开", "Open"),
    "city_none": ("尚无方案的辖区：{names}", "Districts without a plan yet: {names}"),
}
