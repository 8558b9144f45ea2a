"""Texts of one's own account (password change) and of passwords and disabling on the users page."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "nav_account": ("修改密码", "Change password"),
    "account_title": ("修改密码", "Change password"),
    "account_hint": (
        "修改密码后，您在其他设备上的登录和 API 令牌都会失效。"
        "退出登录同样会结束您所有设备上的登录。",
        "A new password ends your sessions on other devices and your API tokens. Logging out "
        "also ends your sessions on every device.",
    ),
    "current_password": ("当前密码", "Current password"),
    "new_password": ("新密码", "New password"),
    "repeat_password": ("再次输入新密码", "New password again"),
    "change_password_button": ("修改密码", "Change password"),
    "password_changed": ("密码已修改。", "Your password has been changed."),
    "password_must_change": (
        "请先设置新密码再继续使用。",
        "Choose a new password before you go on.",
    ),
    "account_disabled": ("该账号已停用，请联系管理员。", "This account is disabled; ask an admin."),
    "err_current_password": ("当前密码不正确。", "The current password is wrong."),
    "err_same_password": (
        "新密码不能与当前密码相同。",
        "The new password must differ from the current one.",
    ),
    "err_password_repeat": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "users_password_of": ("{name} 的新密码", "New password of {name}"),
    "users_reset_password": ("重置密码", "Reset password"),
    "users_password_reset": (
        "已重置 {name} 的密码；其下次登录时须设置新密码。",
        "The password of {name} is reset; they must choose a new one at their next login.",
    ),
    "users_disable": ("停用", "Disable"),
    "users_enable": ("启用", "Enable"),
    "users_disabled_mark": ("已停用", "disabled"),
    "users_disabled_done": (
        "已停用 {name}，其登录和令牌均已失效。",
        "{name} is disabled; their sessions and tokens have ended.",
    ),
    "users_enabled_done": ("已启用 {name}。", "{name} is enabled again."),
    "users_err_last_admin_disable": (
        "{name} 是唯一启用的管理员，不能停用。",
        "{name} is the only enabled admin, so they cannot be disabled.",
    ),
    "col_account": ("账号", "Account"),
}
