"""Tests that the project uses no private attribute of a dependency.

A fresh install takes the newest release each version range allows, and a library may rename or
drop a private attribute in any release (tomlkit 0.15 dropped ``Container._insert_after``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "planner", "web", "bench", "tests")

ALLOWED = {
    # werkzeug documents LocalProxy._get_current_object as the way to reach the proxied object
    # (Flask's docs: "Notes on Proxies"); the underscore only keeps it from clashing with names
    # of the proxied object.
    "_get_current_object": "werkzeug's documented LocalProxy API",
    # namedtuple's public methods begin with an underscore so they cannot clash with fields.
    "_asdict": "namedtuple API",
    "_replace": "namedtuple API",
    "_fields": "namedtuple API",
}
"""Attributes that begin with an underscore but are public API, with the reason."""


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _own_names(trees: list[ast.Module]) -> set[str]:
    """Every private name the project defines: functions, classes, attributes, variables."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[-1])
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return {n for n in names if n.startswith("_")}


def private_uses(files: list[Path]) -> list[str]:
    """Return ``file:line: expression`` for each use of a private attribute ``files`` lack."""
    trees = [ast.parse(p.read_text(encoding="utf-8"), filename=str(p)) for p in files]
    own = _own_names(trees)
    found = []
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                continue
            if node.attr.startswith("__") and node.attr.endswith("__"):
                continue  # dunder protocol names are public
            if node.attr in own or node.attr in ALLOWED:
                continue
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_private_attribute_of_a_dependency_is_used() -> None:
    """Tests that every ``x._name`` in the project names something the project defines."""
    assert private_uses(_sources()) == []


def test_the_check_finds_a_private_attribute(tmp_path: Path) -> None:
    """Tests that the check reports tomlkit's ``container._insert_after`` beside our own code."""
    extra = tmp_path / "editor.py"
    extra.write_text("def f(container, own):\n    container._insert_after('a', 'b', 1)\n")
    assert private_uses([*_sources(), extra]) == ["editor.py:2: container._insert_after"]
