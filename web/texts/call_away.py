"""Texts of the call-away form of a plan (a group called away mid-shift), in Chinese and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "ca_title": ("调离与补位", "Call a group away"),
    "ca_hint": (
        "该组从所填时间起离岗，当天余下的勤务由在岗各组接替；若无其他组在岗，则按休息规则调用一个休息中的组。"
        "结果另存为草稿方案。",
        "The group leaves duty from that time; the groups still on duty take over the rest of "
        "the day, and with none left an off-duty group is called in within the rest rules. "
        "The result is saved as a new draft plan.",
    ),
    "ca_group": ("调离的组", "Group called away"),
    "ca_at": ("离岗时间", "From"),
    "ca_call_in": ("补位", "Call in"),
    "ca_call_in_auto": ("自动（无组在岗时按规则调用）", "Automatic (when no group is on duty)"),
    "ca_call_in_none": ("不调用", "Nobody"),
    "ca_call_in_group": ("{group}组", "Group {group}"),
    "ca_submit": ("调离并重排", "Call away and re-plan"),
    "ca_new_title": ("{title}（{group}组{at}调离）", "{title} (group {group} away from {at})"),
    "ca_done": (
        "已重排：{group}组自{at}离岗，新方案为草稿。",
        "Re-planned: group {group} away from {at}; the new plan is a draft.",
    ),
    "ca_nobody": (
        "{shift}无其他组在岗，也无符合休息规则的组可调用，余下勤务未安排。",
        "No other group is on duty in {shift} and no off-duty group may be called in; the rest "
        "is left out.",
    ),
    "ca_err_group": (
        "调离的组“{value}”不在此方案中。",
        "The plan has no group “{value}” to call away.",
    ),
    "ca_err_at": (
        "离岗时间“{value}”无法识别，请按 2026-12-07 14:30 的格式填写。",
        "The time “{value}” is not a date and time like 2026-12-07 14:30.",
    ),
    "ca_err_days": (
        "离岗时间{value}不在方案的日期内（{first}至{last}）。",
        "{value} is outside the plan's days ({first} to {last}).",
    ),
    "ca_err_call_in": (
        "补位“{value}”应为“自动”“不调用”或另一个组。",
        "Call in “{value}” must be automatic, nobody or another group.",
    ),
    "ca_err_no_data": (
        "此方案没有保存生成时的数据，无法重排。",
        "This plan keeps no copy of the data it was made from, so it cannot be re-planned.",
    ),
    "ca_err_failed": ("重排失败：{reason}", "The re-plan failed: {reason}"),
}
