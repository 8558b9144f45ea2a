"""Tests of the printed route sheets (PDF) and of finding a CJK font for them."""

from __future__ import annotations

import dataclasses
import io
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from shapely.geometry import LineString

from geodata.errors import InputError
from planner.exceptions import ProblemError
from planner.plan.document import GridMember, PlanDocument, read_plan
from web.plans.fonts import FONT_ENV, PROBE, FontError, cjk_font_subset, find_cjk_font
from web.plans.printing import RouteMap, _crowded_extent, write_route_sheets

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def doc(data_dir: Path) -> PlanDocument:
    return read_plan(data_dir / "plan" / "plan.json")


@pytest.fixture(scope="module")
def streets(data_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(data_dir / "plan" / "streets.geojson")


@pytest.fixture(scope="module")
def sheet(doc: PlanDocument, streets: gpd.GeoDataFrame, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sheets") / "sheets.pdf"
    assert write_route_sheets(doc, out, streets=streets) == [out]
    return out


@pytest.fixture
def fresh_font_search(monkeypatch):
    """Forget the cached font before and after a test that changes the environment."""
    find_cjk_font.cache_clear()
    yield monkeypatch
    find_cjk_font.cache_clear()


def test_one_page_per_group_shift(sheet: Path, doc: PlanDocument) -> None:
    """Tests that the PDF is A4 with exactly one page per route."""
    reader = PdfReader(sheet)
    assert len(reader.pages) == len(doc.routes) == 2
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1


def test_sheet_text_has_chinese_names_and_attribution(sheet: Path) -> None:
    """Tests that Chinese names, times, the sign-in column and the footer are real text."""
    pages = [page.extract_text() for page in PdfReader(sheet).pages]
    first, second = pages
    for text in ("第一组", "张伟", "李娜", "长江路小学", "沃尔玛", "羊皮巷", "07:40–08:30", "签到"):
        assert text in first, text
    for text in ("第二组", "王强", "招商银行", "盒马鲜生", "夜班", "00:00–01:00"):
        assert text in second, text
    assert "OpenStreetMap contributors, ODbL" in first
    assert "xinjiekou-2026-09-30-s7" in first and "seed 7" in first
    assert "张伟" not in second
    # A short route leaves room for the patrol's notes below the table.
    assert "情况记录 Notes" in second


def test_map_names_streets(
    sheet: Path, doc: PlanDocument, streets: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    """Tests that the map writes street names from the streets' name column, and none without."""
    first = PdfReader(sheet).pages[0].extract_text()
    assert "中山东路" in first and "淮海路" in first
    lines = [LineString(g.coords) for g in streets.geometry]
    out = tmp_path / "plain.pdf"
    write_route_sheets(doc, out, streets=lines)
    assert "中山东路" not in PdfReader(out).pages[0].extract_text()


def test_cjk_font_is_embedded(sheet: Path) -> None:
    """Tests that the CJK font is embedded as a TrueType font file, not left to the viewer."""
    reader = PdfReader(sheet)
    embedded = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            embedded.append(str(font["/BaseFont"]).lstrip("/"))
    # Subset fonts are named with a six-letter tag, e.g. AAAAAA+NotoSansSC-Regular.
    assert embedded and all(name[6] == "+" for name in embedded)
    assert any(("CJK" in n or "SC" in n or "Hei" in n) for n in embedded), embedded
    # Only the characters printed are embedded: the file stays small (the font has ~30,000).
    assert sheet.stat().st_size < 300_000


def _long_route(doc: PlanDocument, repeats: int) -> PlanDocument:
    """The plan with group 2's three stops visited ``repeats`` times over, timed in order."""
    route = doc.routes[1]
    stops, clock = [], route.start_s
    for stop in (route.stops[0], *list(route.stops[1:-1]) * repeats, route.stops[-1]):
        arrival = clock + 60
        clock = arrival + stop.dwell
        stops.append(dataclasses.replace(stop, arrival=arrival, start=arrival, departure=clock))
    long_route = dataclasses.replace(route, stops=tuple(stops), end_s=clock)
    return dataclasses.replace(doc, routes=(doc.routes[0], long_route))


def test_long_route_gets_a_compact_table(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that 27 stops fit their page with one Chinese line per stop."""
    out = tmp_path / "long.pdf"
    write_route_sheets(_long_route(doc, 9), out)
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    text = reader.pages[1].extract_text()
    assert "27" in text and "检查自助银行和门口" in text
    # The compact table drops the English instructions but keeps one row per stop.
    assert "Check the ATM lobby" not in text


def test_very_long_route_gets_two_columns(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that 51 stops still fit one page: two columns of stops, checks once per category."""
    out = tmp_path / "dense.pdf"
    write_route_sheets(_long_route(doc, 17), out)
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    text = reader.pages[1].extract_text()
    assert "检查要点 What to check (按类别 by category)" in text
    assert "51" in text
    # Each instruction is printed once, in the list by category, not once per stop.
    assert text.count("检查自助银行和门口") == 1


def test_detail_map_only_where_stops_crowd(doc: PlanDocument) -> None:
    """Tests that crowded stops get a detail box around them and spread ones get none."""

    def crowded(plan: PlanDocument):
        route = plan.routes[-1]
        full = RouteMap(
            route, route.stop_labels(), [], width=500, height=300, font="Helvetica",
            attribution="",
        )  # fmt: skip
        return _crowded_extent(full)

    assert crowded(doc) is None
    long_plan = _long_route(doc, 17)
    box = crowded(long_plan)
    assert box is not None
    lon0, lat0, lon1, lat1 = box
    # The box holds one of the three places visited 17 times each, with all its visits.
    inside = [s for s in long_plan.routes[-1].stops if lon0 < s.lon < lon1 and lat0 < s.lat < lat1]
    assert len(inside) >= 17 and (lon1 - lon0) * 94_000 < 400


def test_plans_printed_one_after_another(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that each PDF of a process gets its own font subset, not an earlier one's glyphs."""
    g1, g2 = doc.roster.groups
    member = dataclasses.replace(g1.members[0], name="赵钱孙")
    renamed = dataclasses.replace(g2, name_zh="甲乙丙")
    first = dataclasses.replace(doc, roster=dataclasses.replace(doc.roster, groups=(g1, renamed)))
    second = dataclasses.replace(
        doc,
        roster=dataclasses.replace(
            doc.roster, groups=(dataclasses.replace(g1, members=(member, g1.members[1])), g2)
        ),
    )
    write_route_sheets(first, tmp_path / "first.pdf")
    write_route_sheets(second, tmp_path / "second.pdf")
    assert "甲乙丙" in PdfReader(tmp_path / "first.pdf").pages[1].extract_text()
    text = PdfReader(tmp_path / "second.pdf").pages[0].extract_text()
    assert "赵钱孙" in text and "李娜" in text and "\x00" not in text


def test_no_routes_is_refused(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that a plan without routes gives a one-sentence error instead of an empty PDF."""
    with pytest.raises(ProblemError, match="has no routes to print"):
        write_route_sheets(dataclasses.replace(doc, routes=()), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_found_font_covers_chinese(fresh_font_search) -> None:
    """Tests that a font is found without configuration and its subset is TrueType with CJK."""
    fresh_font_search.delenv(FONT_ENV, raising=False)
    source = find_cjk_font()
    # The project depends on a package that ships Noto Sans SC: it comes first, so a fresh
    # install prints Chinese the same way everywhere.
    assert (source.origin, source.family) == ("package", "Noto Sans SC")
    data = cjk_font_subset(["新街口 巡逻"], source)
    assert data[:4] == b"\x00\x01\x00\x00"
    font = TTFont(io.BytesIO(data))
    assert "glyf" in font and "CFF " not in font
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "新街口巡逻A1")
    # Only the characters asked for (and ASCII) are kept.
    assert ord("警") not in cmap and len(font.getGlyphOrder()) < 120


def test_font_from_environment_must_exist(fresh_font_search, tmp_path: Path) -> None:
    """Tests that a missing font named by PATROL_CJK_FONT is refused in one sentence."""
    fresh_font_search.setenv(FONT_ENV, str(tmp_path / "none.ttf"))
    with pytest.raises(FontError, match=r"PATROL_CJK_FONT=.*none\.ttf names no font file\.") as e:
        find_cjk_font()
    assert isinstance(e.value, InputError)


def test_font_without_chinese_is_refused(fresh_font_search, tmp_path: Path) -> None:
    """Tests that a font lacking Chinese characters (or no font at all) is refused."""
    fake = tmp_path / "latin.ttf"
    fake.write_bytes(b"not a font at all")
    fresh_font_search.setenv(FONT_ENV, str(fake))
    with pytest.raises(FontError, match="is not a font with Chinese characters"):
        find_cjk_font()


def test_no_font_anywhere(fresh_font_search, tmp_path: Path) -> None:
    """Tests the message when neither the package, the system nor fc-list has a CJK font."""
    import web.plans.fonts as fonts

    fresh_font_search.delenv(FONT_ENV, raising=False)
    fresh_font_search.setattr(fonts, "_package_fonts", list)
    fresh_font_search.setattr(fonts, "SYSTEM_FONT_FILES", ())
    fresh_font_search.setattr(fonts, "_fc_list_files", list)
    with pytest.raises(FontError, match="No font that can print Chinese was found") as e:
        find_cjk_font()
    assert "\n" not in str(e.value) and PROBE not in str(e.value)


def _with_walks(doc: PlanDocument, n: int) -> PlanDocument:
    """The fixture plan and ``n`` one-stop walks of grid members on its first route's shift."""
    unit = doc.routes[0]
    stop = next(s for s in unit.stops if s.kind != "base")
    people = tuple(
        GridMember(
            f"GM{i:02d}", f"网格员{i:02d}号", "G01", "volunteer" if i == 0 else "grid_member"
        )
        for i in range(n)
    )
    walks = tuple(
        dataclasses.replace(
            unit, group_id="", unit_id=p.id, members=(p.id,), unit_kind="grid", stops=(stop,)
        )
        for p in people
    )
    roster = dataclasses.replace(doc.roster, grid_members=people)
    return dataclasses.replace(doc, roster=roster, routes=(*doc.routes, *walks))


def test_walks_share_pages_after_the_units(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that 20 one-stop walks of one shift take a few pages after the two unit sheets,
    not one each, that each page's footer counts the pages right, and that each walk is named
    by its person and kind once."""
    plan = _with_walks(doc, 20)
    urls = {f"{r.id}/0": f"https://example.org/c/{r.id}" for r in plan.routes[2:]}
    out = tmp_path / "walks.pdf"
    write_route_sheets(plan, out, checkin_urls=urls)
    pages = PdfReader(out).pages
    assert 2 + 1 < len(pages) <= 2 + 20 // 4
    for number, page in enumerate(pages, start=1):
        assert f"第 {number}/{len(pages)} 页" in page.extract_text()
    walks = "".join(page.extract_text() for page in pages[2:])
    assert "网格员与志愿者巡查" in walks and "(20)" in walks
    assert all(f"网格员{i:02d}号" in walks for i in range(20))
    assert walks.count("grid member") == 19 and "志愿者 网格员00号 volunteer" in walks
    assert "网格员 网格员01号 grid member 网格员01号" not in walks


def test_unit_sheets_are_titled_by_unit_number(doc: PlanDocument, tmp_path: Path) -> None:
    """Tests that a unit's sheet says "巡逻单元 2 Unit 2", as the pages do, not its id, and that
    a group riding as one unit gets no unit in its title."""
    first, second = doc.routes[:2]
    unit = dataclasses.replace(first, unit_id=f"{first.group_id}-2")
    plan = dataclasses.replace(doc, routes=(unit, dataclasses.replace(second, unit_id="")))
    out = tmp_path / "units.pdf"
    write_route_sheets(plan, out)
    titled, whole = (page.extract_text() for page in PdfReader(out).pages)
    assert "巡逻单元 2 Unit 2" in titled and f"{first.group_id}-2" not in titled.split("\n")[0]
    assert "巡逻单元" not in whole
