"""Texts of the first-start accounts."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "first_users_hint": (
        "首次启动：已为每个角色（admin、captain、planner、member、viewer）创建账号，"
        "密码见实例目录中的 first_users.txt 及服务器日志。",
        "First start: one account per role (admin, captain, planner, member, viewer) was made; "
        "the passwords are in first_users.txt in the instance folder and in the server log.",
    ),
}
