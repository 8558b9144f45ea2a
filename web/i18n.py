"""The web app's texts in Chinese and English, and the language switch (`?lang=`, session).

The texts are those of :mod:`planner.texts`, one catalogue file per language.
"""

from __future__ import annotations

from typing import Any

from flask import g, request, session

from planner import texts

LANGS = texts.LANGS
"""Languages of the interface; the first is the default."""

DEFAULT_LANG = LANGS[0]

MESSAGES: dict[str, tuple[str, str]] = {
    key: (zh, texts.catalogue("en")[key]) for key, zh in texts.catalogue("zh").items()
}
"""Every text of the interface: key -> (Chinese, English), from the catalogues of
:mod:`planner.texts` (``zh.toml``, ``en.toml``), read once."""


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
