"""Texts of shift swaps: the request form, the check in words, the captain's decision."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav_swaps": ("换班申请", "Shift swaps"),
    "kind_roster": ("排班", "roster"),
    "action_swap": ("换班", "swap"),
    "swaps_title": ("换班申请", "Shift swap requests"),
    "swaps_none": ("还没有换班申请。", "No shift swap request yet."),
    "swaps_mine": ("我的换班申请", "My shift swap requests"),
    "swaps_ask": ("申请换班", "Ask to swap a shift"),
    "swaps_all": ("全部换班申请", "All shift swap requests"),
    "swap_title": ("换班申请 #{id}", "Shift swap request #{id}"),
    "swap_new_title": ("申请换班", "Ask to swap a shift"),
    "swap_no_shifts": (
        "现行方案中没有您之后可换的班次。",
        "The plans in force hold no later shift of yours to swap.",
    ),
    "swap_mine": ("我的班次", "My shift"),
    "swap_kind": ("方式", "How"),
    "swap_kind_give": ("让给另一班组（我休息）", "Give it to another group (I am off)"),
    "swap_kind_swap": ("与另一班组对换班次", "Swap it with another group's shift"),
    "swap_other": ("另一班组", "The other group"),
    "swap_other_day": (
        "对方班次的日期（对换时填写；同日对换填同一天）",
        "Day of their shift (for a swap; the same day to trade shifts that day)",
    ),
    "swap_note": ("说明（可选）", "Note (optional)"),
    "swap_check_button": ("检查规则", "Check the rules"),
    "swap_send": ("提交申请", "Send the request"),
    "swap_preview": ("换班后的排班检查", "The swapped roster, checked"),
    "swap_sent": (
        "换班申请 #{id} 已提交，等待队长审批。",
        "Request #{id} is sent and waits for a captain.",
    ),
    "swap_group_line": ("{group}（{members}）", "{group} ({members})"),
    "swap_what": ("申请内容", "The request"),
    "swap_give_line": (
        "{group} 把 {day} {shift} 让给 {other}",
        "{group} gives {shift} of {day} to {other}",
    ),
    "swap_swap_line": (
        "{group} 的 {day} {shift} 与 {other} 的 {other_day} {other_shift} 对换",
        "{group}'s {shift} of {day} swapped with {other}'s {other_shift} of {other_day}",
    ),
    "swap_asked_by": ("申请人：{who}，{at}", "Asked by {who}, {at}"),
    "swap_state": ("状态", "State"),
    "swap_state_pending": ("待审批", "waiting"),
    "swap_state_approved": ("已批准", "approved"),
    "swap_state_refused": ("已拒绝", "refused"),
    "swap_state_withdrawn": ("已撤回", "withdrawn"),
    "swap_decided_by": ("{who} 于 {at}", "by {who}, {at}"),
    "swap_refused_reason": ("拒绝理由：{reason}", "Reason: {reason}"),
    "swap_changes": ("排班变化", "What changes in the roster"),
    "swap_cell": ("{group} {day}：{before} → {after}", "{group} {day}: {before} → {after}"),
    "swap_off": ("休", "off"),
    "swap_routes": ("随班次移交的路线", "Routes that go with the shifts"),
    "swap_route_line": (
        "{day} {shift} {unit}：由 {from_group} 改为 {to_group}，队员 {crew}",
        "{day} {shift} {unit}: from {from_group} to {to_group}, crew {crew}",
    ),
    "swap_no_crew": ("（未列队员）", "(no crew listed)"),
    "swap_fairness": ("公平性变化", "Fairness"),
    "swap_fair_line": (
        "{group}：班次 {a} → {b}，夜班 {na} → {nb}，周末班 {wa} → {wb}，节假日班 {ha} → {hb}",
        "{group}: shifts {a} → {b}, nights {na} → {nb}, weekend shifts {wa} → {wb}, "
        "holiday shifts {ha} → {hb}",
    ),
    "swap_ok": ("换班后的排班不违反任何排班规则。", "The swapped roster breaks no roster rule."),
    "swap_broken": ("换班后会违反以下规则：", "The swapped roster would break these rules:"),
    "swap_mended": ("换班后不再违反：", "The swap mends:"),
    "swap_check_stale": ("当前无法检查：{why}", "Cannot be checked now: {why}"),
    "swap_approve": ("批准", "Approve"),
    "swap_refuse": ("拒绝", "Refuse"),
    "swap_reason": ("拒绝理由", "Reason for refusing"),
    "swap_withdraw": ("撤回申请", "Withdraw the request"),
    "swap_approved": (
        "已批准换班申请 #{id}，现行方案的排班已修改（修改记录 #{edit}）。",
        "Request #{id} is approved; the roster of the plan in force is changed (edit #{edit}).",
    ),
    "swap_refused": ("已拒绝换班申请 #{id}。", "Request #{id} is refused."),
    "swap_withdrawn": ("已撤回换班申请 #{id}。", "Request #{id} is withdrawn."),
    "swap_plan": ("方案：{title}", "Plan: {title}"),
    "swap_state_line": ("状态：{state}", "State: {state}"),
    "swap_open": ("查看", "Open"),
    "swap_confirm_approve": (
        "批准后现行方案的排班将被修改，确定吗？",
        "Approving changes the roster of the plan in force. Go ahead?",
    ),
    # Refusals of the form and of the decision, one sentence each.
    "swap_err_bad_mine": ("请选择您的一个班次。", "Choose one of your shifts."),
    "swap_err_bad_kind": ("请选择让班或对换。", "Choose whether to give or to swap the shift."),
    "swap_err_bad_other": ("请选择另一班组。", "Choose the other group."),
    "swap_err_bad_day": (
        "对方班次的日期“{day}”无效，应为 YYYY-MM-DD。",
        "The day of their shift, “{day}”, is not a date YYYY-MM-DD.",
    ),
    "swap_err_not_in_force": (
        "该班次所在方案已不是现行方案，不能修改排班。",
        "The plan of this shift is not in force, so its roster cannot be changed.",
    ),
    "swap_err_not_yours": (
        "{group} 不是您的班组，不能申请换它的班。",
        "{group} is not your group, so you cannot ask to swap its shift.",
    ),
    "swap_err_note_long": ("说明超过 {n} 个字。", "The note is longer than {n} characters."),
    "swap_err_reason_long": ("理由超过 {n} 个字。", "The reason is longer than {n} characters."),
    "swap_err_no_reason": ("请写明拒绝理由。", "Say why the request is refused."),
    "swap_err_no_rules": (
        "找不到排班规则文件，无法检查换班后的排班。",
        "No rules file is at hand to check the swapped roster against.",
    ),
    "swap_err_bad_rules": (
        "排班规则文件无法读取，无法检查换班后的排班。",
        "The rules file the roster is checked against cannot be read.",
    ),
    "swap_err_started": (
        "该班次已开始，不能再换班。",
        "The shift has started already, so it cannot be swapped.",
    ),
    "swap_err_duplicate": (
        "该班次已有待审批的换班申请 #{id}。",
        "Request #{id} for this shift is waiting for a captain already.",
    ),
    "swap_err_no_longer": (
        "申请提交后排班已有变化，该申请不再适用。",
        "The roster has changed since the request was made, so it no longer applies.",
    ),
    "swap_err_not_pending": ("换班申请 #{id} 已处理。", "Request #{id} is decided already."),
    "swap_err_breaks_rules": (
        "换班后的排班违反排班规则，不能批准：{rules}",
        "The swapped roster breaks a roster rule, so it cannot be approved: {rules}",
    ),
    "swap_err_signed_in": (
        "{route} 路线已有签到记录，不能移交。",
        "Route {route} has been signed in at, so it stays with its group.",
    ),
    "swap_err_not_asker": (
        "只有申请人可以撤回申请。",
        "Only the member who asked may withdraw a request.",
    ),
    "swap_err_swap_unknown_group": (
        "方案中没有班组“{group}”。",
        "The plan has no group “{group}”.",
    ),
    "swap_err_swap_same_group": (
        "请选择另一个班组，不能与本班组换班。",
        "Choose another group; a group cannot swap with itself.",
    ),
    "swap_err_swap_outside": ("{day} 不在该方案的日期内。", "{day} is not a day of this plan."),
    "swap_err_swap_mine_off": (
        "{group} 在 {day} 休息，没有可换的班次。",
        "{group} is off on {day}, so it has no shift to swap.",
    ),
    "swap_err_swap_other_busy": (
        "{group} 在 {day} 已有 {shift}，不能接班。",
        "{group} works {shift} on {day}, so it cannot take the shift over.",
    ),
    "swap_err_swap_other_off": (
        "{group} 在 {day} 休息，没有可对换的班次。",
        "{group} is off on {day}, so it has no shift to swap.",
    ),
    "swap_err_swap_mine_busy": (
        "{group} 在 {day} 已有 {shift}。",
        "{group} already works {shift} on {day}.",
    ),
    "swap_err_swap_same_shift": (
        "两个班组在 {day} 都上 {shift}，无需对换。",
        "Both groups work {shift} on {day}; there is nothing to swap.",
    ),
    # The roster rules in words (planner.checks.plan_roster's findings).
    "swap_rule_groups": (
        "方案的班组（{plan}）与规则文件的（{rules}）不一致。",
        "The plan's groups ({plan}) are not the rules file's ({rules}).",
    ),
    "swap_rule_shift_missing": (
        "方案中缺少规则文件的 {shift}。",
        "The rules file's {shift} is missing from the plan.",
    ),
    "swap_rule_shift_times": (
        "方案中 {shift} 的时间为 {hours}，与规则文件不同。",
        "{shift} runs {hours} in the plan, not as in the rules file.",
    ),
    "swap_rule_cover": (
        "{day} {shift} 有 {got} 个班组在岗，规则要求 {want} 个。",
        "{shift} on {day} has {got} groups on duty; the rules ask for {want}.",
    ),
    "swap_rule_pinned": (
        "{group} 在 {day} 固定为 {want}，换班后为 {got}。",
        "{group} is pinned to {want} on {day} but would have {got}.",
    ),
    "swap_rule_rest": (
        "{group} 在 {before_day} 的 {before} 结束后 {hours} 小时就上 {day} 的 {shift}，"
        "规则要求休息 {need} 小时。",
        "{group} would work {shift} on {day} {hours} h after its {before} of {before_day} "
        "ends; the rules ask for {need} h of rest.",
    ),
    "swap_rule_nights_in_row": (
        "{group} 自 {day} 起连续 {n} 个夜班，上限 {limit} 个。",
        "{group} would work {n} nights in a row from {day}; the limit is {limit}.",
    ),
    "swap_rule_days_in_row": (
        "{group} 自 {day} 起连续上班 {n} 天，上限 {limit} 天。",
        "{group} would work {n} days in a row from {day}; the limit is {limit}.",
    ),
    "swap_rule_days_off": (
        "{group} 自 {day} 起只休 {n} 天，规则要求连休 {limit} 天。",
        "{group} would have only {n} days off from {day}; the rules ask for {limit}.",
    ),
    "swap_rule_crew": (
        "{group} 在 {day} {shift} 只有 {n} 名队员在岗，规则要求 {need} 名，"
        "且无备勤或相邻班组可补。",
        "{group} would be on {shift} on {day} with {n} members present; the rules ask for "
        "{need}, and no reserve or off-duty neighbour is free.",
    ),
}
