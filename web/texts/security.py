"""Texts of the sign-in throttle and of other security refusals."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "login_throttled": (
        "此地址登录失败次数过多，请稍等一分钟再试。",
        "Too many failed sign-ins from this address; wait a minute and try again.",
    ),
}
