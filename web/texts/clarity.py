"""Texts of confirmations and of the clearer plan pages, in Chinese and English.

Confirmations come before destructive actions; the plan pages say why places are uncovered,
what the job form's defaults and limits are, and hide the solver's table behind "details".
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # Confirmations (the browser's confirm dialog) before an action that removes something.
    "confirm_remove_group": (
        "确定删除班组“{name}”？其队员将不属于任何班组。",
        "Remove group “{name}”? Its members will belong to no group.",
    ),
    "confirm_remove_member": ("确定删除队员“{name}”？", "Remove member “{name}”?"),
    "confirm_remove_reserve": ("确定删除机动人员“{name}”？", "Remove reserve “{name}”?"),
    "confirm_remove_vehicle": ("确定删除车辆“{name}”？", "Remove vehicle “{name}”?"),
    "confirm_remove_leave": (
        "确定删除{member}（{start}至{end}）的请假？",
        "Remove the leave of {member} ({start} to {end})?",
    ),
    "confirm_remove_shift": ("确定删除班次“{name}”？", "Remove shift “{name}”?"),
    "confirm_remove_date": ("确定删除日期 {date}？", "Remove the date {date}?"),
    "confirm_delete_area": (
        "确定删除重点部位“{name}”？删除后可在修改记录中撤销。",
        "Delete key area “{name}”? The edit history can undo it.",
    ),
    "confirm_cancel_job": (
        "确定取消此排班任务？已完成的部分不会保存为方案。",
        "Cancel this planning job? What it has done so far is not kept as a plan.",
    ),
    # The planning form's time budget.
    "job_full_budget": (
        "默认值为 {days} 天的完整时限 {total} 秒：排班 {roster} 秒，{shifts} 个班次的路线各 "
        "{per_shift} 秒；时限越短，方案越粗。",
        "The default is the full budget of {days} days, {total} s: the roster {roster} s and "
        "the routes of {shifts} shifts {per_shift} s each; a shorter limit gives a rougher plan.",
    ),
    "job_replan_limit": (
        "“班组与规则”页修改后的重新排班沿用最新方案的时限：{seconds} 秒。",
        "A re-plan after a change on the teams and rules pages keeps the newest plan's limit: "
        "{seconds} s.",
    ),
    # Comparing plans.
    "compare_same": (
        "“之前”和“之后”选了同一个方案（{plan}）；请选择两个不同的方案。",
        "“Before” and “after” are the same plan ({plan}); choose two different plans.",
    ),
    "compare_need_two": (
        "对比需要至少两个已生成的方案。",
        "Comparing needs at least two plans that are ready.",
    ),
    # The plan page's solver stages (captains, planners and admins, behind a toggle).
    "solver_summary": (
        "{n} 个求解阶段，{found} 个得到可行方案，共用时 {seconds} 秒。",
        "{n} solver stages, {found} found a feasible plan, {seconds} s in all.",
    ),
    "solver_details": ("（点击查看详情）", "(select for details)"),
    # The rules checker's sentences on a Chinese page (web.rules_sentences).
    "rules_checker_said": ("{where}：{setting}{what}。", "{where}: {setting} {what}."),
    "rules_checker_other": (
        "{where}：{setting}不符合规则（{what}）。",
        "{where}: {setting} {what}.",
    ),
    "rs_leave_from": ("请假开始日期", "Leave from"),
    "rs_leave_to": ("请假结束日期", "Leave to"),
    "rs_leave_member": ("请假队员", "Member on leave"),
    "rs_shift_id": ("班次编号", "Shift id"),
    "rs_group_id": ("班组编号", "Group id"),
    # Coverage: why places are uncovered (web.coverage_reasons).
    "why_uncovered": (
        "{n} 处需要巡逻的地点没有安排巡逻：{hours} 处在所有班次内都不开放（时间），"
        "{reach} 处离街道超过 {metres} 米、巡逻路线到不了（可达），"
        "其余 {capacity} 处开放且可达，但各小组的班次已排满（能力）。",
        "{n} places that need patrols got none: {hours} are closed during every shift (hours), "
        "{reach} lie more than {metres} m from any street the routes follow (reach), and the "
        "other {capacity} were open and reachable but the units' shifts were full (capacity).",
    ),
    "why_hours": ("班次内不开放", "closed during the shifts"),
    "why_reach": ("离街道太远", "too far from the streets"),
    "why_capacity": ("班次已排满", "the shifts were full"),
}
