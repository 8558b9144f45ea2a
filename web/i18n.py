"""The web app's texts in Chinese and English, and the language switch (`?lang=`, session)."""

from __future__ import annotations

from typing import Any

from flask import g, request, session

LANGS = ("zh", "en")
"""Languages of the interface; the first is the default."""

DEFAULT_LANG = LANGS[0]

MESSAGES: dict[str, tuple[str, str]] = {
    # Navigation and page titles
    "app_name": ("巡逻勤务规划", "Patrol planning"),
    "nav_map": ("辖区地图", "District map"),
    "nav_plans": ("勤务方案", "Plans"),
    "nav_users": ("用户", "Users"),
    "nav_login": ("登录", "Log in"),
    "nav_logout": ("退出", "Log out"),
    "signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "language": ("English", "中文"),
    "map_title": ("{district} 辖区地图", "{district}: district map"),
    "map_hint": (
        "街道、重点部位、监控、网格与巡逻基点均来自辖区数据，无需联网。",
        "Streets, key areas, cameras, grids and posts come from the district's own data; "
        "no network is needed.",
    ),
    "plans_title": ("勤务方案列表", "Plans"),
    "no_plans": ("暂无方案。", "No plans yet."),
    "demo_running": (
        "正在生成演示方案，请稍候刷新。",
        "A demo plan is being made; reload in a moment.",
    ),
    # Plan list columns and fields
    "col_title": ("名称", "Title"),
    "col_district": ("辖区", "District"),
    "col_start": ("开始日期", "Start"),
    "col_days": ("天数", "Days"),
    "col_seed": ("随机种子", "Seed"),
    "col_status": ("状态", "Status"),
    "col_created_by": ("创建人", "Made by"),
    "col_created_at": ("创建时间", "Made at"),
    "status_ready": ("可用", "ready"),
    "status_running": ("生成中", "running"),
    "status_failed": ("失败", "failed"),
    "status_queued": ("排队中", "queued"),
    "system_user": ("系统", "system"),
    # Plan detail
    "plan_title": ("方案：{title}", "Plan: {title}"),
    "roster": ("排班日历", "Roster calendar"),
    "group": ("班组", "Group"),
    "members": ("成员", "Members"),
    "off": ("休", "off"),
    "night_mark": ("夜", "night"),
    "holiday": ("节假日", "Holiday"),
    "leave": ("请假", "Leave"),
    "whole_group": ("全组", "whole group"),
    "no_leave": ("无请假。", "No leave."),
    "fairness": ("公平性统计", "Fairness summary"),
    "shifts": ("班次", "Shifts"),
    "nights": ("夜班", "Nights"),
    "weekends": ("周末班", "Weekend shifts"),
    "holidays": ("节假日班", "Holiday shifts"),
    "routes": ("巡逻路线", "Routes"),
    "route": ("路线", "Route"),
    "date": ("日期", "Date"),
    "shift": ("班次", "Shift"),
    "mode": ("方式", "Mode"),
    "stops": ("停靠点", "Stops"),
    "distance_km": ("距离（公里）", "Distance (km)"),
    "stages": ("求解阶段", "Solver stages"),
    "stage": ("阶段", "Stage"),
    "objective": ("目标值", "Objective"),
    "bound": ("界", "Bound"),
    "runtime_s": ("用时（秒）", "Time (s)"),
    "validation": ("校验", "Validation"),
    "check_ok": ("通过", "passed"),
    "check_failed": ("未通过", "failed"),
    "coverage": ("覆盖情况", "Coverage"),
    "print_view": ("打印", "Print"),
    "downloads": ("下载", "Downloads"),
    "mode_foot": ("步行", "on foot"),
    "mode_bicycle": ("自行车", "bicycle"),
    "mode_ebike": ("电动车", "e-bike"),
    "mode_motorcycle": ("摩托车", "motorcycle"),
    # Route view
    "route_title": ("{group} {date} {shift} 巡逻路线", "{group}, {date}, {shift}: route"),
    "stop_no": ("序号", "No."),
    "place": ("地点", "Place"),
    "category": ("类别", "Category"),
    "window": ("时间窗", "Time window"),
    "arrival": ("到达", "Arrival"),
    "dwell_min": ("停留（分）", "Dwell (min)"),
    "check": ("检查内容", "What to check"),
    "base": ("基点", "Base"),
    "back_to_plan": ("返回方案", "Back to the plan"),
    # Coverage view
    "coverage_title": ("{title} 覆盖情况", "{title}: coverage"),
    "areas": ("重点部位", "Key areas"),
    "grids": ("网格", "Grids"),
    "needed_min": ("需巡逻（分）", "Needed (min)"),
    "planned_min": ("已安排（分）", "Planned (min)"),
    "visits": ("到访次数", "Visits"),
    "share": ("完成率", "Share"),
    "camera_share": ("监控覆盖", "Camera share"),
    "blind_spots": ("盲区（未安排巡逻）", "Blind spots (no patrol planned)"),
    "no_blind_spots": ("没有盲区。", "No blind spots."),
    # Coverage map
    "cov_grids": ("网格覆盖", "Grid coverage"),
    "cov_areas": ("重点部位覆盖", "Key-area coverage"),
    "cov_blind": ("盲区", "Blind spots"),
    "cov_legend": ("覆盖率（已安排/需巡逻）", "Share planned of needed"),
    "cov_none": ("0（盲区）", "0 (blind)"),
    "cov_half": ("不足 50%", "under 50%"),
    "cov_most": ("50%–99%", "50%–99%"),
    "cov_full": ("≥ 100%", "100% or more"),
    "cov_needed": ("需巡逻（分）", "Needed (min)"),
    "cov_planned": ("已安排（分）", "Planned (min)"),
    "cov_visits": ("到访次数", "Visits"),
    "cov_name": ("名称", "Name"),
    # Comparing plans
    "compare": ("方案对比", "Compare plans"),
    "compare_title": ("对比：{a} → {b}", "Compare: {a} → {b}"),
    "compare_pick": ("选择两个方案", "Choose two plans"),
    "compare_before": ("方案 A（之前）", "Plan A (before)"),
    "compare_after": ("方案 B（之后）", "Plan B (after)"),
    "compare_button": ("对比", "Compare"),
    "compare_bad": (
        "请选择两个不同的、已生成的方案。",
        "Choose two different plans that are ready.",
    ),
    "roster_changes": ("排班变化", "Roster changes"),
    "no_roster_changes": ("排班没有变化。", "The roster is the same."),
    "route_changes": ("路线变化", "Route changes"),
    "coverage_changes": ("覆盖变化", "Coverage before and after"),
    "summary": ("汇总", "Summary"),
    "total_planned": ("已安排巡逻合计（分）", "Planned patrol in all (min)"),
    "blind_count": ("盲区数", "Blind spots"),
    "before": ("之前", "Before"),
    "after": ("之后", "After"),
    "change": ("变化", "Change"),
    "none_mark": ("—", "—"),
    # Print view
    "print_title": ("{title} 打印版", "{title}: print view"),
    "print_button": ("打印", "Print"),
    "signature": ("签到", "Sign-in"),
    "plan_footer": (
        "方案 {plan_id} · 种子 {seed} · {attribution}",
        "Plan {plan_id} · seed {seed} · {attribution}",
    ),
    # Downloads
    "dl_plan_json": ("方案文件 plan.json", "Plan document plan.json"),
    "dl_roster_csv": ("排班表 CSV", "Roster CSV"),
    "dl_roster_xlsx": ("排班表 Excel", "Roster workbook (Excel)"),
    "dl_routes_geojson": ("路线 GeoJSON", "Routes GeoJSON"),
    "dl_coverage_csv": ("覆盖 CSV", "Coverage CSV"),
    "dl_calendar_zip": ("日历 iCalendar（ZIP）", "Calendars iCalendar (ZIP)"),
    "dl_gpx_zip": ("GPX 轨迹（ZIP）", "GPX tracks (ZIP)"),
    "dl_route_sheets_pdf": ("路线单 PDF（A4）", "Route sheets PDF (A4)"),
    # Planning jobs
    "new_plan": ("新建方案", "New plan"),
    "new_plan_title": ("生成勤务方案", "Make a plan"),
    "new_plan_hint": (
        "方案在后台生成：提交后立即返回，可在进度页查看或取消。多个任务依次排队。",
        "The plan is made in the background: the page returns at once and shows its progress, "
        "where it can be cancelled. Several jobs wait in a queue.",
    ),
    "field_title": ("名称（可选）", "Title (optional)"),
    "field_start": ("开始日期", "First day"),
    "field_days": ("天数", "Days"),
    "field_seed": ("随机种子", "Seed"),
    "field_time_limit": ("求解总时限（秒）", "Seconds of solving in all"),
    "submit_job": ("开始生成", "Start"),
    "job_title": ("生成任务 #{id}", "Job #{id}"),
    "job_stage": ("阶段：{stage}（{done}/{total}）", "Stage: {stage} ({done}/{total})"),
    "job_waiting": ("等待开始。", "Waiting to start."),
    "job_done": ("方案已生成。", "The plan is ready."),
    "job_open_plan": ("查看方案", "Open the plan"),
    "cancel_job": ("取消", "Cancel"),
    "cancel_asked": (
        "已请求取消，将在当前步骤结束后停止。",
        "Cancelling: the job stops after its current step.",
    ),
    "job_cancelled": ("任务已取消。", "The job was cancelled."),
    "status_done": ("完成", "done"),
    "status_cancelled": ("已取消", "cancelled"),
    "stage_risk": ("风险", "risk"),
    "stage_dose": ("巡逻需求", "dose"),
    "stage_roster": ("排班", "roster"),
    "stage_routes": ("路线", "routes"),
    "stage_coverage": ("覆盖", "coverage"),
    "stage_validate": ("校验", "validation"),
    "quality": ("方案质量", "Plan quality"),
    "q_of": ("{n} / {total}（{pct}）", "{n} of {total} ({pct})"),
    "q_of_pool": ("{n}（共 {pool} 辆）", "{n} (pool {pool})"),
    "q_gate_windows_covered": (
        "护学岗：有人在校门口 ≥10 分钟的时段",
        "Gate windows with someone at the gate ≥ 10 min",
    ),
    "q_gate_windows_full_time": ("其中专职巡防小组", "of them by full-time units"),
    "q_gate_windows_others": ("其中网格员与志愿者", "of them by grid members and volunteers"),
    "q_unplanned_share_median": ("机动时间占比（中位）", "Time left free for calls, median"),
    "q_unplanned_share_min": ("机动时间占比（最低）", "Time left free for calls, lowest"),
    "q_checkpoints_max": ("每组每班签到点（最多）", "Checkpoints per unit-shift, most"),
    "q_checkpoints_median": ("每组每班签到点（中位）", "Checkpoints per unit-shift, median"),
    "q_meal_breaks_min": ("12 小时班用餐次数（最少）", "Meal breaks in a 12-hour shift, fewest"),
    "q_unit_shifts": ("小组班次数", "Unit-shifts"),
    "q_alley_km_share_day_mean": (
        "背街小巷巡查里程占比（日均）",
        "Back-alley km ridden or walked, average day",
    ),
    "q_hotspot_alley_night_min": (
        "重点小巷每夜全程巡查次数（最少）",
        "Hotspot alley covered end to end per night, fewest",
    ),
    "q_visits_near_one_point_max_share": (
        "距任一地点 400 米内的签到占比（最高）",
        "Checkpoint visits within 400 m of one point, most",
    ),
    "q_grids_visited_day_min_share": (
        "当日有签到的网格占比（最低）",
        "Grids with a checkpoint visit, worst day",
    ),
    "q_closed_visits": ("营业时间外的签到", "Checkpoint visits to closed places"),
    "q_inspections_done": ("已安排的场所检查", "Inspections asked for, made"),
    "q_inspections_week": ("每周完成检查的场所", "Places inspected in each full week"),
    "q_visits_short": ("需要但未安排的签到", "Checkpoint visits asked for and not planned"),
    "q_one_more_unit_max": (
        "增加一个巡逻小组可多签到（最忙班次）",
        "Visits one more unit could add (busiest shift)",
    ),
    "stage_inspections": ("场所检查", "inspections"),
    "inspections": ("每周场所检查", "Weekly inspections"),
    "insp_status": ("状态", "Status"),
    "insp_done": ("已安排", "planned"),
    "insp_due": ("待安排", "due, not planned"),
    "q_vehicles_peak": ("同时使用的{mode}（最多）", "{mode} in use at once, most"),
    "q_uncovered_gates": (
        "无人值守的护学岗时段（{n} 个）：",
        "Gate windows nobody stands at ({n}):",
    ),
    "unit": ("小组", "Unit"),
    "crew": ("人员", "Crew"),
    "vehicles": ("车辆", "Vehicles"),
    "stage_units": ("巡逻小组", "units"),
    "stage_vehicles": ("车辆", "vehicles"),
    "stage_shift_time": ("班次时间", "shift time"),
    "stage_hours": ("营业时间", "opening hours"),
    "err_start": (
        "开始日期“{value}”无效，请按 YYYY-MM-DD 填写。",
        "The first day {value!r} is not a date; write it as YYYY-MM-DD.",
    ),
    "err_days": ("天数须为 1 至 {n} 的整数。", "Days must be a whole number from 1 to {n}."),
    "err_seed": ("随机种子须为非负整数。", "The seed must be a whole number of 0 or more."),
    "err_time_limit": (
        "求解时限须在 {low} 至 {high} 秒之间。",
        "The time limit must be between {low} and {high} seconds.",
    ),
    "err_title": ("名称不能超过 200 个字符。", "The title must have at most 200 characters."),
    # Auth
    "login_title": ("登录", "Log in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login_button": ("登录", "Log in"),
    "bad_login": ("用户名或密码不正确。", "Wrong user name or password."),
    "logged_out": ("已退出登录。", "You have logged out."),
    "login_needed": ("请先登录。", "Please log in first."),
    "session_expired": (
        "登录已过期，请重新登录。",
        "Your session has expired; please log in again.",
    ),
    "forbidden": ("您的角色无权访问此页面。", "Your role may not open this page."),
    "not_found": ("未找到该页面。", "This page does not exist."),
    "csrf_failed": (
        "表单已失效（缺少或错误的安全令牌），请返回重试。",
        "The form has expired (missing or wrong security token); go back and try again.",
    ),
    "error_title": ("出错了", "Something went wrong"),
    # Roles
    "role_admin": ("管理员", "admin"),
    "role_captain": ("队长", "captain"),
    "role_planner": ("研判员", "planner"),
    "role_member": ("队员", "member"),
    "role_viewer": ("访客", "viewer"),
    # Users page
    "users_title": ("用户管理", "Users"),
    "role": ("角色", "Role"),
    "create_user": ("新建用户", "New user"),
    "create_button": ("创建", "Create"),
    "user_created": ("已创建用户 {name}。", "User {name} created."),
    "err_name": (
        "用户名须为 1 至 40 个字母、数字、下划线、点或连字符。",
        "The user name must be 1 to 40 letters, digits, underscores, dots or hyphens.",
    ),
    "err_name_taken": ("用户名 {name} 已存在。", "The user name {name} is taken."),
    "err_role": ("未知角色 {role}。", "Unknown role {role}."),
    "err_password": (
        "密码至少需要 {n} 个字符。",
        "The password must have at least {n} characters.",
    ),
}
"""Every text of the interface: key -> (Chinese, English).

The core texts are above; each feature keeps its own in a module of :mod:`web.texts` (a
``MESSAGES`` dict of the same shape), merged in here by :func:`_load_feature_texts`.
"""


def _load_feature_texts() -> None:
    """Merge the ``MESSAGES`` of every module of :mod:`web.texts` into :data:`MESSAGES`.

    Raises
    ------
    ValueError
        When two modules define the same key (a programming error, caught by the tests).
    """
    import importlib
    import pkgutil

    import web.texts

    for info in sorted(pkgutil.iter_modules(web.texts.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"web.texts.{info.name}")
        for key, pair in getattr(module, "MESSAGES", {}).items():
            if key in MESSAGES:
                msg = f"Text key {key!r} of web.texts.{info.name} is already defined."
                raise ValueError(msg)
            MESSAGES[key] = pair


_load_feature_texts()


def current_lang() -> str:
    """Return the language of this request: ``?lang=`` (remembered in the session), else zh.

    Worked out once per request (a page asks for it hundreds of times).
    """
    known = g.get("patrol_lang")
    if known is not None:
        return str(known)
    asked = request.args.get("lang")
    if asked in LANGS:
        session["lang"] = asked
        lang = str(asked)
    else:
        kept = session.get("lang")
        lang = kept if kept in LANGS else DEFAULT_LANG
    g.patrol_lang = lang
    return lang


def translate(key: str, lang: str | None = None, **values: Any) -> str:
    """Return the text ``key`` in ``lang`` (default: the request's), filled with ``values``.

    Parameters
    ----------
    key
        A key of :data:`MESSAGES`.
    lang
        "zh" or "en"; None for the current request's language.
    **values
        Values for the ``{name}`` fields of the text.

    Raises
    ------
    KeyError
        When ``key`` is not in the catalogue (a programming error, caught by the tests).
    """
    lang = lang or current_lang()
    text = MESSAGES[key][LANGS.index(lang) if lang in LANGS else 0]
    return text.format(**values) if values else text
