"""Tests that imports go one way, geodata <- planner <- web, with no cycle anywhere.

Every ``import`` that runs counts, those inside functions included: an import moved into a
function to dodge a cycle is still a cycle. Imports under ``if TYPE_CHECKING:`` run only for
the type checker and do not count. The plain-number solver cores (planner.roster, planner.routing)
reach no geodata module at all, and bench/ imports no web module (it measures the product
through its public commands).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "planner", "web", "bench")
CORES = ("planner.roster", "planner.routing")


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:``."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            test = child.test if isinstance(child, ast.If) else None
            if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)
    return out


def import_graph() -> dict[str, set[str]]:
    """Return module -> the project modules it imports when it runs (anywhere in its code)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
                    break
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for w in graph[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_no_import_cycle() -> None:
    """Tests that no group of modules imports itself round, function-level imports counted."""
    assert cycles(import_graph()) == []


def test_imports_go_one_way() -> None:
    """Tests geodata <- planner <- web, and that bench/ imports no web module."""
    allowed = {
        "geodata": {"geodata"},
        "planner": {"geodata", "planner"},
        "bench": {"geodata", "planner", "bench"},
    }
    wrong = [
        f"{a} imports {b}"
        for a, targets in sorted(import_graph().items())
        for b in sorted(targets)
        if _top(a) in allowed and _top(b) not in allowed[_top(a)]
    ]
    assert wrong == []


def test_the_solver_cores_reach_no_geodata() -> None:
    """Tests that the roster and routing cores import no geodata module, even indirectly."""
    graph = import_graph()
    wrong = {
        name: sorted(m for m in _reach(graph, name) if _top(m) == "geodata")
        for name in graph
        if name.startswith(CORES)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_check_finds_a_cycle_hidden_in_a_function() -> None:
    """Tests that an import inside a function closes a cycle for the check."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(graph) == [["a", "b"]]
