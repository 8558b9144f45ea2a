"""Texts of the limits on planning jobs: the dates a plan may cover, and the job queue."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "err_start_range": (
        "方案的日期须在 {first} 至 {last} 之间。",
        "A plan's days must lie from {first} to {last}.",
    ),
    "err_queue_user": (
        "您已有 {n} 个方案在排队或生成中，请等其完成或取消后再提交。",
        "You have {n} plans queued or being made; wait for one to finish or cancel one first.",
    ),
    "err_queue_full": (
        "已有 {n} 个方案在排队或生成中，请稍后再提交。",
        "{n} plans are queued or being made; try again later.",
    ),
}
