"""Texts of refused documents: too large, not UTF-8, not JSON or TOML, too deep, bad characters.

The keys are ``dec_`` and the key of :class:`geodata.decoding.DecodeError`; the values are
the error's.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "dec_too_large": ("{where} 超过 {n} 字节。", "{where} is larger than {n} bytes."),
    "dec_not_utf8": ("{where} 不是 UTF-8 文本。", "{where} is not UTF-8 text."),
    "dec_syntax": (
        "{where} 不是有效的 {kind}（第 {line} 行：{why}）。",
        "{where} is not valid {kind} (line {line}: {why}).",
    ),
    "dec_too_deep": ("{where} 嵌套超过 {n} 层。", "{where} is nested more than {n} levels deep."),
    "dec_surrogate": (
        "{where} 在 {path} 处含有无效的 Unicode 字符。",
        "{where} holds a character that is not valid Unicode at {path}.",
    ),
    "dec_nul": ("{where} 在 {path} 处含有 NUL 字符。", "{where} holds a NUL character at {path}."),
}
