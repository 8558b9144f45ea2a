"""The rules and teams checkers' sentences in the page's language.

The checkers of ``rules.toml`` and ``teams.toml`` (:mod:`planner.patrol.rules_file`) speak
English for the command line: ``"rules.toml line 91: leave.to 2026-12-01 is before leave.from
2026-12-20."``. A page in Chinese shows the same sentence in Chinese: the place (file and line)
and the setting's name from the forms' catalogue, with its key for the raw editor, and the
complaint from :data:`COMPLAINTS`. A complaint not listed keeps its English words inside a
Chinese sentence rather than being dropped.
"""

from __future__ import annotations

import re

from web.i18n import MESSAGES, translate

SENTENCE = re.compile(
    r"^(?P<file>[\w.-]+\.toml)(?: line (?P<line>\d+))?: (?P<key>[A-Za-z_][\w.]*) (?P<what>.+?)\.?$",
    re.S,
)
"""A checker's sentence: ``FILE[ line N]: KEY COMPLAINT.``"""

COMPLAINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"$", re.S), zh)
    for pattern, zh in (
        (r"must not be negative \((?P<v>.*)\)", "不能为负数（{v}）"),
        (r"must be a whole number, not (?P<v>.*)", "须为整数，而不是 {v}"),
        (r"must be at least 1", "至少为 1"),
        (r"(?P<a>\S+) is before leave\.from (?P<b>\S+)", "{a} 早于开始日期 {b}"),
        (
            r"date (?P<d>\S+) is outside the horizon (?P<a>\S+) to (?P<b>\S+)",
            "日期 {d} 不在规划周期 {a} 至 {b} 之内",
        ),
        (
            r"must be a date like 2026-12-07, not (?P<v>.*)",
            "须为形如 2026-12-07 的日期，而不是 {v}",
        ),
        (r"must be a time like 08:00, not (?P<v>.*)", "须为形如 08:00 的时刻，而不是 {v}"),
        (r"must be a number of hours, not (?P<v>.*)", "须为小时数，而不是 {v}"),
        (r"must be true or false, not (?P<v>.*)", "须为 true 或 false，而不是 {v}"),
        (
            r"must be a whole number of days from 1 to (?P<n>\d+), not (?P<v>.*)",
            "须为 1 至 {n} 的整天数，而不是 {v}",
        ),
        (
            r"must be a date from (?P<a>\S+) to (?P<b>\S+?)(?P<span> for [^,]*)?, not (?P<v>.*)",
            "须为 {a} 至 {b} 之间的日期，而不是 {v}",
        ),
        (r"names unknown member (?P<v>.*)", "指向不存在的队员 {v}"),
        (r"names unknown shift (?P<v>.*)", "指向不存在的班次 {v}"),
        (r"names unknown category (?P<v>.*) on (?P<d>.*)", "在 {d} 指向不存在的类别 {v}"),
        (r"(?P<v>.*) appears twice", "{v} 重复出现"),
        (r"(?P<v>.*) is not one of (?P<w>.*)", "{v} 不是 {w} 之一"),
        (r"is not a known setting \(known: (?P<v>.*)\)", "不是已知的设置（可用的有：{v}）"),
        (r"must be a table", "须为一个表"),
        (r"must be a non-empty text", "不能为空"),
        (r"must list at least one \[\[shifts\]\] template", "须至少列出一个 [[shifts]] 班次模板"),
        (r"window (?P<v>.*) does not lie inside the shift", "时段 {v} 不在该班次之内"),
        (r"may not be 'off' \(it means a day off\)", "不能为 'off'（它表示休息日）"),
        (
            r"needs a whole number >= 0 for shift (?P<s>.*), not (?P<v>.*)",
            "班次 {s} 须为不小于 0 的整数，而不是 {v}",
        ),
    )
)
"""Known complaints of the checkers (English pattern, Chinese text)."""


NOT_TOML = re.compile(r"^(?P<file>[\w.-]+\.toml) is not valid TOML: (?P<why>.+?)\.?$", re.S)
"""The checker's sentence for a file that does not parse."""

NAMES = {
    "leave.from": "rs_leave_from",
    "leave.to": "rs_leave_to",
    "leave.member": "rs_leave_member",
    "shifts.id": "rs_shift_id",
    "groups.id": "rs_group_id",
}
"""Catalogue keys of the names of settings the forms do not label as ``tr_field_*``."""


def setting_name(key: str, lang: str) -> str:
    """Return the setting's name from the forms' catalogue with its key, or the key alone."""
    label_key = NAMES.get(key) or f"tr_field_{key.rsplit('.', 1)[-1]}"
    if label_key not in MESSAGES:
        return key + " "
    name = translate(label_key, lang)
    return f"{name}（{key}）" if lang == "zh" else f"{name} ({key})"


def checker_sentence(text: str, lang: str) -> str:
    """Return a checker's sentence ``text`` in ``lang`` ("zh" or "en").

    English sentences are returned as they are; a sentence not in the checker's shape too.
    """
    if lang != "zh":
        return text
    broken = NOT_TOML.match(text.strip())
    if broken is not None:
        return translate("tr_err_toml", "zh", file=broken["file"], why=broken["why"])
    found = SENTENCE.match(text.strip())
    if found is None:
        return text
    where = found["file"] + (f" 第 {found['line']} 行" if found["line"] else "")
    what = found["what"]
    for pattern, zh in COMPLAINTS:
        said = pattern.match(what)
        if said is not None:
            values = {k: v or "" for k, v in said.groupdict().items()}
            return translate(
                "rules_checker_said",
                "zh",
                where=where,
                setting=setting_name(found["key"], "zh"),
                what=zh.format(**values),
            )
    return translate(
        "rules_checker_other",
        "zh",
        where=where,
        setting=setting_name(found["key"], "zh"),
        what=what,
    )
