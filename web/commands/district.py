"""The `patrol district` group (`info`) and the `patrol import-osm` command."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import click

from geodata.errors import BundleError


@click.group("district")
def district() -> None:
    """District bundles: figures of a district and its map."""


def _width(text: str) -> int:
    """Return the display width of ``text`` (Chinese characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(summary: dict[str, Any]) -> str:
    """Return the summary as an aligned, human-readable table."""
    from geodata.categories import CATEGORIES

    title = summary["name"] + (f" ({summary['name_zh']})" if summary["name_zh"] else "")
    rows: list[tuple[str, str]] = [
        ("District", title),
        ("Folder", str(summary["path"])),
        ("Area", f"{summary['area_km2']:.2f} km²"),
        ("CRS", f"{summary['crs']} (work CRS {summary['work_crs']})"),
        ("Time zone", summary["time_zone"]),
        ("Street nodes", str(summary["street_nodes"])),
        ("Street segments", f"{summary['street_edges']} ({summary['street_km']:.1f} km)"),
        ("Alley segments", f"{summary['alley_segments']} ({summary['alley_km']:.1f} km)"),
        (
            "Key areas",
            f"{summary['key_areas']} in {summary['key_area_categories']} categories",
        ),
    ]
    for key, count in sorted(summary["key_areas_by_category"].items(), key=lambda kv: -kv[1]):
        cat = CATEGORIES.get(key)
        label = f"{cat.label_en} / {cat.label_zh}" if cat else key
        rows.append((f"  {label}", str(count)))
    rows += [
        ("Posts", str(summary["posts"])),
        ("Cameras", str(summary["cameras"])),
        ("Grids", str(summary["grids"])),
        ("Incidents", str(summary["incidents"])),
    ]
    if summary["incidents"]:
        rows.append(("  period", f"{summary['incidents_from']} .. {summary['incidents_to']}"))
    if summary["groups"]:
        vehicles = ", ".join(f"{n} {mode}" for mode, n in summary["vehicles"].items())
        rows.append(("Team", f"{summary['groups']} groups, {summary['members']} members"))
        rows.append(("Vehicles", vehicles or "none"))
    if summary["hotspot_alley"]:
        hot = summary["hotspot_alley"]
        rows.append(("Hotspot alley", f"{hot.get('name', '')} ({hot.get('street_id', '')})"))
    if summary["sample_layers"]:
        rows.append(("Sample data", ", ".join(summary["sample_layers"])))
    source = summary["source"] or {}
    if source:
        rows.append(("Source", f"{source.get('file', '')} ({source.get('date', '')})"))
    rows.append(("Attribution", summary["attribution"]))
    width = max(_width(k) for k, _ in rows)
    return "\n".join(f"{k}{' ' * (width - _width(k))}  {v}" for k, v in rows)


@district.command("info")
@click.argument("district_dir", metavar="[D]", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def info(district_dir: Path | None, as_json: bool) -> None:
    """Show the figures of district D (default: the default district).

    Counts street nodes, segments and km, key areas by category, alleys, posts, cameras,
    grids and incidents; area in km²; CRS; attribution.
    """
    from geodata.bundle import load_district, summarize_district

    summary = summarize_district(load_district(district_dir))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(summary))


@click.command("import-osm")
@click.argument("osm_file", metavar="FILE.osm", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Bundle folder to write (new, empty, or an existing bundle to replace).",
)
@click.option("--name", "name", default=None, help="District name (default: the file name).")
def import_osm_command(osm_file: Path, out: Path, name: str | None) -> None:
    """Build a district bundle in --out from a local OpenStreetMap XML file.

    Keeps walkable and cyclable streets cut to the file's extent, extracts key areas by
    category and police posts, then writes and validates the bundle. An existing bundle in
    --out is replaced only when the new one is valid; a non-empty folder that is not a
    bundle is never touched.
    """
    from geodata.bundle import MANIFEST, summarize_district, validate_district, write_district
    from geodata.osm_import import import_osm

    if out.exists() and not out.is_dir():
        msg = f"Output path {out} is a file; give a folder for the district bundle."
        raise BundleError(msg)
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        msg = f"Folder {out} is not empty and holds no district bundle; refusing to overwrite it."
        raise BundleError(msg)

    def progress(message: str) -> None:
        click.echo(f"... {message}", err=True)

    built = import_osm(osm_file, name=name, progress=progress)
    progress(f"writing {out}")
    write_district(built, out)
    validate_district(out)
    s = summarize_district(built)
    click.echo(
        f"Wrote {out}: {s['street_nodes']} street nodes, {s['street_edges']} segments "
        f"({s['street_km']:.1f} km, {s['alley_segments']} alleys), {s['key_areas']} key areas "
        f"in {s['key_area_categories']} categories, posts: {s['posts']}, "
        f"{s['area_km2']:.2f} km²."
    )
