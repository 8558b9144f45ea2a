"""Texts of plans in force (draft, published, superseded) and of publishing a plan."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "state_draft": ("草稿", "draft"),
    "state_published": ("现行", "in force"),
    "state_superseded": ("已被替代", "superseded"),
    "col_state": ("发布状态", "In force"),
    "pf_banner_today": (
        "现行方案：{title}（{start} 起 {days} 天）",
        "Plan in force: {title} ({days} days from {start})",
    ),
    "pf_banner_next": (
        "今日无现行方案；下一个发布的方案：{title}（{start} 起 {days} 天）",
        "No plan is in force today; the next published plan: {title} ({days} days from {start})",
    ),
    "pf_banner_none": ("尚无发布的方案。", "No plan has been published yet."),
    "pf_publish": ("发布为现行方案", "Publish as the plan in force"),
    "pf_published": (
        "方案“{title}”已发布为现行方案。",
        "The plan \u201c{title}\u201d is now the plan in force.",
    ),
    "pf_published_replacing": (
        "方案“{title}”已发布为现行方案，替代了：{others}。",
        "The plan \u201c{title}\u201d is now the plan in force, replacing {others}.",
    ),
    "pf_err_not_ready": (
        "此方案尚未生成完毕，不能发布。",
        "This plan is not ready, so it cannot be published.",
    ),
    "pf_err_already": (
        "此方案已是其日期的现行方案。",
        "This plan is already the plan in force for its days.",
    ),
    "pf_state_line_draft": (
        "此方案是草稿：队员和访客看不到它。",
        "This plan is a draft: members and viewers do not see it.",
    ),
    "pf_state_line_published": (
        "此方案是其日期的现行方案（{who}，{at} 发布）。",
        "This plan is the plan in force for its days (published by {who}, {at}).",
    ),
    "pf_state_line_superseded": (
        "此方案已被替代，现行方案是：",
        "This plan has been superseded; the plan in force is:",
    ),
    "pf_state_line_superseded_none": (
        "此方案已被替代。",
        "This plan has been superseded.",
    ),
    "ci_err_superseded": (
        "此签到码所属方案已被替代，请按现行方案签到。",
        "The check-in code belongs to a plan that has been superseded; sign in on the plan "
        "in force.",
    ),
    "ci_current_plan": ("打开现行方案", "Open the plan in force"),
}
