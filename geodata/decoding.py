"""Decode JSON and TOML that comes in from outside, within size, depth and code-point limits.

Every JSON and TOML document a user sends (an API body, an uploaded GeoJSON file, a rules or
teams file, an incident file) goes through :func:`load_json` or :func:`load_toml`. They refuse
in one sentence, naming the document, what the standard parsers would let through and the
rest of the program could not use:

- a document larger than its limit;
- nesting deeper than :data:`MAX_DEPTH` (the parsers recurse and raise ``RecursionError``
  long before they run out of input; so would every walk over the parsed value);
- a lone UTF-16 surrogate (a JSON escape such as U+D800 alone is valid JSON, but no UTF-8
  text can hold it, so writing it to a file or a database fails) or a NUL character
  (PostgreSQL text refuses it)
  in any key or string.

:func:`check_value` applies the last two checks to a value parsed elsewhere (form fields,
webargs' JSON). The functions are pure: they read nothing and write nothing.
"""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any, ClassVar

from geodata.errors import InputError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects (tables) accepted; GeoJSON needs at most 4."""

MAX_BYTES = 20_000_000
"""Largest document accepted unless the caller gives another limit."""

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class DecodeError(InputError):
    """A document that cannot be decoded within the limits; the message is one sentence.

    Attributes
    ----------
    key
        What is wrong: ``too_large``, ``not_utf8``, ``syntax``, ``too_deep``, ``surrogate``
        or ``nul`` (the web app words it in the page's language).
    values
        The values of the sentence: ``where`` (the document), and ``n`` (a limit), ``line``
        and ``why`` (a syntax error) or ``path`` (where in the document) as the key needs.
    """

    TEXTS: ClassVar[dict[str, str]] = {
        "too_large": "{where} is larger than {n} bytes.",
        "not_utf8": "{where} is not UTF-8 text.",
        "syntax": "{where} is not valid {kind} (line {line}: {why}).",
        "too_deep": "{where} is nested more than {n} levels deep.",
        "surrogate": "{where} holds a character that is not valid Unicode at {path}.",
        "nul": "{where} holds a NUL character at {path}.",
    }
    """The English sentence of each key."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(self.TEXTS[key].format(**values))
        self.key = key
        self.values = values


def _path_text(path: tuple[str | int, ...]) -> str:
    if not path:
        return "the top level"
    return "".join(f"[{p}]" if isinstance(p, int) else f".{_key_text(p)}" for p in path).lstrip(".")


def _key_text(key: str) -> str:
    """Return ``key`` as written, or JSON-quoted when it holds a control or lone surrogate."""
    if key.isprintable():
        return key
    return json.dumps(key)  # escapes newlines, NULs and surrogates: the sentence stays one line


def _check_string(text: str, where: str, path: tuple[str | int, ...]) -> None:
    found = _BAD_CHARS.search(text)
    if found is not None:
        key = "nul" if found.group() == "\x00" else "surrogate"
        raise DecodeError(key, where=where, path=_path_text(path))


def check_value(value: Any, where: str, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a parsed value nested too deeply or holding a lone surrogate or a NUL.

    The walk is iterative, so a value of any depth is checked without recursion.

    Parameters
    ----------
    value
        Parsed JSON or TOML data: dicts, lists, strings, numbers, dates, ...
    where
        What the value is, for the sentence (``"The request body"``, ``"rules.toml"``).
    max_depth
        Deepest nesting of lists and dicts accepted.

    Raises
    ------
    DecodeError
        For the first problem found.
    """
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 0, ())]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            _check_string(item, where, path)
        elif isinstance(item, dict | list):
            if depth >= max_depth:
                raise DecodeError("too_deep", where=where, n=max_depth)
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_string(str(key), where, (*path, str(key)))
                    stack.append((child, depth + 1, (*path, str(key))))
            else:
                stack.extend((child, depth + 1, (*path, i)) for i, child in enumerate(item))


def _text(data: bytes | str, where: str, max_bytes: int) -> str:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise DecodeError("too_large", where=where, n=max_bytes)
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DecodeError("not_utf8", where=where) from None


def load_json(
    data: bytes | str, where: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse a JSON document that came in from outside, within the limits.

    Parameters
    ----------
    data
        The document: UTF-8 bytes (a byte-order mark is allowed) or text.
    where
        What the document is, for the sentence (``"The request body"``, a file name).
    max_bytes, max_depth
        Largest size in bytes and deepest nesting accepted.

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    DecodeError
        When the document is too large, not UTF-8, not JSON, nested too deeply, or holds a
        lone surrogate or a NUL in a string.
    """
    text = _text(data, where, max_bytes)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        why = exc.msg
        raise DecodeError("syntax", where=where, kind="JSON", line=exc.lineno, why=why) from None
    except RecursionError:
        raise DecodeError("too_deep", where=where, n=max_depth) from None
    check_value(value, where, max_depth=max_depth)
    return value


def load_toml(
    data: bytes | str, where: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> dict[str, Any]:
    """Parse a TOML document that came in from outside, within the limits.

    Parameters
    ----------
    data
        The document: UTF-8 bytes or text.
    where
        What the document is, for the sentence (usually its file name).
    max_bytes, max_depth
        Largest size in bytes and deepest nesting of tables and arrays accepted.

    Returns
    -------
    dict
        The parsed document (:func:`tomllib.loads`).

    Raises
    ------
    DecodeError
        When the document is too large, not UTF-8, not TOML, nested too deeply, or holds a
        lone surrogate or a NUL in a key or string.
    """
    text = _text(data, where, max_bytes)
    _check_string(text, where, ())
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        why = str(exc)
        found = re.search(r"\(at line (\d+)", why)
        line = int(found.group(1)) if found else 1
        why = re.sub(r"\s*\(at line \d+, column \d+\)", "", why) or why
        raise DecodeError("syntax", where=where, kind="TOML", line=line, why=why) from None
    except RecursionError:
        raise DecodeError("too_deep", where=where, n=max_depth) from None
    check_value(value, where, max_depth=max_depth)
    return value
