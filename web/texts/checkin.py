"""Texts of checkpoint sign-in (签到上岗) and the check-in ledger."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # Navigation and links
    "nav_ledger": ("签到台账", "Check-in ledger"),
    "ci_ledger_link": ("签到台账", "Check-in ledger"),
    # Check-in page
    "ci_title": ("签到上岗", "Sign in at the checkpoint"),
    "ci_checkpoint": ("签到点", "Checkpoint"),
    "ci_route": ("路线", "Route"),
    "ci_planned": ("计划到达", "Planned arrival"),
    "ci_window": ("时间窗", "Time window"),
    "ci_due": ("最迟", "Due by"),
    "ci_stop_label": ("第 {label} 站", "Stop {label}"),
    "ci_base_label": ("基点", "Base"),
    "ci_button": ("签到", "Sign in"),
    "ci_locating": (
        "正在获取位置，请稍候……",
        "Finding your position, please wait…",
    ),
    "ci_geo_denied": (
        "无法获取位置：{error}。请允许定位后重试，或手动填写经纬度。",
        "Cannot get your position: {error}. Allow location access and try again, or enter it "
        "by hand.",
    ),
    "ci_geo_missing": (
        "此浏览器不支持定位，请手动填写经纬度。",
        "This browser cannot tell its position; enter it by hand.",
    ),
    "ci_manual": ("手动填写位置", "Enter the position by hand"),
    "ci_lon": ("经度", "Longitude"),
    "ci_lat": ("纬度", "Latitude"),
    "ci_accuracy": ("精度（米，可不填）", "Accuracy (m, optional)"),
    "ci_manual_button": ("提交签到", "Sign in with this position"),
    "ci_noscript": (
        "浏览器未启用脚本，无法自动定位：请在下方手动填写位置。",
        "Scripts are off, so the position cannot be found automatically: enter it below.",
    ),
    "ci_radius_hint": (
        "须在签到点 {radius} 米范围内（加定位精度，最多 {cap} 米）。",
        "You must be within {radius} m of the checkpoint (plus the GPS accuracy, up to {cap} m).",
    ),
    "ci_ok": ("签到成功", "Signed in"),
    "ci_ok_detail": (
        "{time} 签到，距签到点 {distance} 米。",
        "Signed in at {time}, {distance} m from the checkpoint.",
    ),
    "ci_on_time": ("准时", "On time"),
    "ci_late": ("迟到 {minutes} 分钟", "{minutes} min late"),
    "ci_refused": ("签到未成功", "Not signed in"),
    "ci_already_done": ("您已在此签到：{time}。", "You signed in here at {time}."),
    # Reasons a check-in is refused
    "ci_err_forged": (
        "签到码无效（不是本系统签发的），请重新扫描纸质路线单上的二维码。",
        "The check-in code is not one this app signed; scan the printed code again.",
    ),
    "ci_err_expired": (
        "签到码已过期：该班次已结束超过 {hours} 小时。",
        "The check-in code has expired: its shift ended more than {hours} h ago.",
    ),
    "ci_err_not_yet": (
        "签到码尚未生效：班次开始前 {hours} 小时起可签到（班次开始 {start}）。",
        "The check-in code is not valid yet: sign in from {hours} h before the shift ({start}).",
    ),
    "ci_err_other_plan": (
        "签到码属于其他方案（方案 {plan}），与当前方案不符。",
        "The check-in code belongs to another plan (plan {plan}), not this one.",
    ),
    "ci_err_plan_not_ready": (
        "签到码所属的方案 {plan} 已不再使用。",
        "Plan {plan} of the check-in code is no longer in use.",
    ),
    "ci_err_bad_position": (
        "位置无效：请提供以度为单位的经纬度，精度为非负米数。",
        "The position is not valid: give a longitude and latitude in degrees and an accuracy "
        "of 0 m or more.",
    ),
    "ci_err_too_far": (
        "您距签到点 {distance} 米，超出允许的 {limit} 米，请到达签到点后再签到。",
        "You are {distance} m from the checkpoint, farther than the {limit} m allowed; sign in "
        "when you are there.",
    ),
    "ci_err_not_allowed": (
        "您的角色不能签到。",
        "Your role may not sign in at checkpoints.",
    ),
    "ci_err_not_on_route": (
        "此签到点属于 {group} 的路线，不是您所在班组。",
        "This checkpoint is on a route of {group}, which is not your group.",
    ),
    "ci_err_already": (
        "您已在此签到点签到过，无需重复签到。",
        "You have already signed in at this checkpoint.",
    ),
    # Planning form: make up a plan's shortfall
    "field_shortfall": (
        "补足方案 N 的漏签（可选，填方案编号）",
        "Make up the shortfall of plan N (optional: the plan's number)",
    ),
    "err_shortfall": (
        "方案“{value}”不存在或尚未生成，无法补足其漏签。",
        "Plan {value!r} is not a ready plan whose shortfall can be made up.",
    ),
    # Print view
    "ci_codes": ("扫码签到", "Scan to sign in"),
    "ci_codes_hint": (
        "到达各站后用手机扫描对应二维码签到。",
        "At each stop, scan its code with a phone to sign in.",
    ),
    # Ledger
    "ledger_title": ("{title} 签到台账", "{title}: check-in ledger"),
    "ledger_index_title": ("签到台账", "Check-in ledgers"),
    "ledger_index_hint": (
        "选择一个方案，查看计划与实际签到的对比。",
        "Choose a plan to see its planned against actual check-ins.",
    ),
    "ledger_as_of": ("统计时间：{time}", "As of {time}"),
    "ledger_total": ("合计", "Total"),
    "ledger_by_area": ("按地点", "By place"),
    "ledger_by_group": ("按班组", "By group"),
    "ledger_by_day": ("按日期", "By day"),
    "ledger_key": ("名称", "Name"),
    "ledger_planned": ("计划", "Planned"),
    "ledger_done": ("已签到", "Signed in"),
    "ledger_late": ("迟到", "Late"),
    "ledger_missed": ("漏签", "Missed"),
    "ledger_pending": ("未到时间", "Not due yet"),
    "ledger_share": ("签到率", "Share"),
    "ledger_late_list": ("迟到签到", "Late check-ins"),
    "ledger_missed_list": (
        "漏签（班次已结束未签到）",
        "Missed (the shift ended without a check-in)",
    ),
    "ledger_none_late": ("没有迟到。", "No late check-ins."),
    "ledger_none_missed": ("没有漏签。", "No missed checkpoints."),
    "ledger_checked_at": ("签到时间", "Signed in at"),
    "ledger_late_min": ("迟到（分）", "Late (min)"),
    "ledger_who": ("签到人", "Signed in by"),
    "ledger_shortfall": ("下次方案补足", "Make up in the next plan"),
    "ledger_shortfall_hint": (
        "以下重点部位有漏签，下次生成方案时可按系数增加巡逻需求。",
        "These key areas missed checkpoints; the next plan can raise their patrol dose by "
        "these factors.",
    ),
    "ledger_boost": ("需求系数", "Dose factor"),
    "ledger_map": ("漏签地图", "Map of missed checkpoints"),
    "ledger_map_missed": ("漏签", "Missed"),
    "ledger_map_late": ("迟到", "Late"),
    "ledger_map_done": ("已签到", "Signed in"),
    "ledger_map_pending": ("未到时间", "Not due yet"),
    "ledger_map_legend": ("签到情况", "Check-ins"),
}
