"""Tests of `patrol district map` (web/commands/district_map.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from geodata.bundle import DEFAULT_DISTRICT_DIR
from web.cli import cli

if TYPE_CHECKING:
    from pathlib import Path


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def network_urls(page: str) -> list[str]:
    parser = _Urls()
    parser.feed(page)
    return [u for u in parser.urls if re.match(r"^(https?:)?//", u, re.I)]


def decoded(page: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def run(*args: str):
    return CliRunner().invoke(cli, ["district", "map", *args], catch_exceptions=False)


def test_writes_an_offline_map_of_a_bundle(tiny_bundle: Path, tmp_path: Path) -> None:
    """Tests that the command writes one HTML file that loads nothing from the network."""
    out = tmp_path / "map.html"
    result = run(str(tiny_bundle), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    assert "5 street segments, 3 key areas, 1 posts, 2 cameras, 2 grids" in result.output
    page = out.read_text(encoding="utf-8")
    assert network_urls(page) == []
    text = decoded(page)
    for name in ("丰富巷", "示范小学", "新街口警务室", "第一网格", "图例", "小街区 巡逻辖区图"):
        assert name in text, name
    assert "OpenStreetMap contributors, ODbL" in text


def test_english_labels_on_request(tiny_bundle: Path, tmp_path: Path) -> None:
    """Tests that --lang en gives English layer names and legend."""
    out = tmp_path / "map_en.html"
    result = run(str(tiny_bundle), "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    text = decoded(out.read_text(encoding="utf-8"))
    assert "Legend" in text and "Back alleys" in text and "Tiny — patrol district map" in text
    assert "图例" not in text


def test_missing_district_is_one_clear_line(tmp_path: Path) -> None:
    """Tests that a missing district folder gives one line on stderr, exit 2, no traceback."""
    result = run(str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.html"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: District folder {tmp_path / 'nowhere'} does not exist."]
    assert not (tmp_path / "m.html").exists()


def test_missing_output_folder_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    """Tests that an output file in a folder that does not exist is refused clearly."""
    out = tmp_path / "no" / "such" / "map.html"
    result = run(str(tiny_bundle), "--out", str(out))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: Output folder {out.parent} does not exist."


def test_output_that_is_a_folder_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    """Tests that --out naming an existing folder is refused without touching it."""
    result = run(str(tiny_bundle), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory" in result.output
    assert list(tmp_path.iterdir()) == []


def test_out_is_required(tiny_bundle: Path) -> None:
    """Tests that the command refuses to run without --out."""
    result = run(str(tiny_bundle))
    assert result.exit_code == 2
    assert "--out" in result.output


@pytest.mark.slow
def test_default_district_map(tmp_path: Path) -> None:
    """Tests the map of the default district: Chinese, offline, every layer, reasonable size."""
    if not (DEFAULT_DISTRICT_DIR / "manifest.toml").is_file():
        pytest.skip("the default district bundle is not built")
    out = tmp_path / "xinjiekou.html"
    result = run("--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert network_urls(page) == []
    assert out.stat().st_size < 5_000_000
    text = decoded(page)
    for label in ("辖区边界", "背街小巷", "巡逻基点", "视频监控", "网格", "图例", "新街口"):
        assert label in text, label
    assert "pm-hot-hour" in page  # the heat layer's hour-of-week selector, as on the web map


def test_heat_layer_can_be_left_out(tiny_bundle: Path, tmp_path: Path) -> None:
    """Tests that --no-heat writes the map without the hour-of-week heat selector."""
    with_heat, without = tmp_path / "a.html", tmp_path / "b.html"
    assert run(str(tiny_bundle), "--out", str(with_heat)).exit_code == 0
    result = run(str(tiny_bundle), "--out", str(without), "--no-heat")
    assert result.exit_code == 0, result.output
    assert "pm-hot-hour" in with_heat.read_text(encoding="utf-8")
    assert "pm-hot-hour" not in without.read_text(encoding="utf-8")
