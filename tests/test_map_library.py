"""Tests that maps are built in one place: only web/maps/ imports Folium (or branca, its base).

Every ``import`` counts, those inside functions and under ``if TYPE_CHECKING:`` included, so a
page that draws its own map cannot creep back in.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "planner", "web", "bench")
MAP_LIBRARIES = ("folium", "branca")


def map_library_imports(root: Path = ROOT) -> list[str]:
    """Return ``path:line`` of every import of a map library outside web/maps/."""
    maps = root / "web" / "maps"
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if maps in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                if any(n.split(".")[0] in MAP_LIBRARIES for n in names):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_only_web_maps_imports_folium() -> None:
    """Tests that no module outside web/maps/ imports folium or branca."""
    assert map_library_imports() == []


def test_the_check_finds_an_import_inside_a_function(tmp_path: Path) -> None:
    """Tests that the check sees a Folium import hidden in a function of a view."""
    web = tmp_path / "web"
    (web / "maps").mkdir(parents=True)
    (web / "maps" / "layers.py").write_text("import folium\n", encoding="utf-8")
    (web / "views.py").write_text(
        "def page():\n    from folium.plugins import Draw\n    return Draw\n", encoding="utf-8"
    )
    assert map_library_imports(tmp_path) == ["web/views.py:2"]
