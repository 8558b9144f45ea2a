"""The texts people read, one catalogue per language: ``zh.toml`` and ``en.toml``.

Both files have the same keys, and each text has the same ``{placeholders}`` in both (a test
holds them to it). They live in the planner, the lowest layer that writes texts people read
(what a route stop says to check, the names of breaks), so that the planner and the web app
read the same catalogue while imports still go one way, geodata <- planner <- web. The web
app's language switch and its ``translate`` are in :mod:`web.i18n`.

Each file is read once, on first use.
"""

from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
"""Languages of the catalogue; the first is the default."""

CATALOGUE_DIR = Path(__file__).parent
"""Folder of the catalogue files."""


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the catalogue of ``lang``: key -> text.

    Parameters
    ----------
    lang
        "zh" or "en".

    Raises
    ------
    ValueError
        When ``lang`` is not a language of the catalogue, or a text of it is not a string.
    """
    if lang not in LANGS:
        msg = f"No text catalogue for language {lang!r}; there are {', '.join(LANGS)}."
        raise ValueError(msg)
    with (CATALOGUE_DIR / f"{lang}.toml").open("rb") as f:
        data = tomllib.load(f)
    wrong = [key for key, value in data.items() if not isinstance(value, str)]
    if wrong:
        msg = f"{lang}.toml: the entries {', '.join(wrong)} are not texts."
        raise ValueError(msg)
    return data


def text(key: str, lang: str, **values: Any) -> str:
    """Return the text ``key`` in ``lang``, its ``{name}`` fields filled with ``values``.

    Raises
    ------
    KeyError
        When ``key`` is not in the catalogue (a programming error, caught by the tests).
    """
    found = catalogue(lang)[key]
    return found.format(**values) if values else found


def both(key: str, **values: Any) -> tuple[str, str]:
    """Return the text ``key`` in Chinese and in English, as a (zh, en) pair."""
    return text(key, "zh", **values), text(key, "en", **values)


def placeholders(template: str) -> set[str]:
    """Return the names of the ``{placeholders}`` of a text."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
