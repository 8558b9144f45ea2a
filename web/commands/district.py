"""The `patrol district` group (`info`, `import-rentals`) and the `patrol import-osm` command."""

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
    targets = summary.get("targets_by_category", {})
    for key, count in sorted(summary["key_areas_by_category"].items(), key=lambda kv: -kv[1]):
        cat = CATEGORIES.get(key)
        label = f"{cat.label_en} / {cat.label_zh}" if cat else key
        hit = targets.get(key, 0)
        note = "" if hit == count else f" ({hit} patrol targets)" if hit else " (not targets)"
        rows.append((f"  {label}", f"{count}{note}"))
    rows += [
        ("Patrol targets", str(summary.get("targets", 0))),
        ("School gates", str(summary.get("gate_places", 0))),
        ("Weekly inspections", f"{summary.get('inspection_places', 0)} places, "
         f"{summary.get('rentals', 0)} rentals"),
        ("Opening hours", f"{summary.get('opening_hours_tagged', 0)} tagged, "
         "the rest by category"),
        ("Posts", str(summary["posts"])),
        ("Cameras", str(summary["cameras"])),
        ("Grids", str(summary["grids"])),
    ]  # fmt: skip
    kinds = summary.get("grid_members_by_kind", {})
    if kinds:
        rows.append(("Grid members", ", ".join(f"{n} {k.replace('_', ' ')}s" for k, n in
                                               kinds.items())))  # fmt: skip
    rows.append(("Incidents", str(summary["incidents"])))
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
    lines = [f"{k}{' ' * (width - _width(k))}  {v}" for k, v in rows]
    problems = summary.get("problems", [])
    if problems:
        lines.append(f"Problems ({len(problems)}; the bundle is used, these values are not):")
        lines += [f"  - {p}" for p in problems]
    return "\n".join(lines)


@district.command("info")
@click.argument("district_dir", metavar="[D]", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def info(district_dir: Path | None, as_json: bool) -> None:
    """Show the figures of district D (default: the default district).

    Counts street nodes, segments and km, key areas by category and which are patrol targets,
    school gates, places of weekly inspection and rentals, alleys, posts, cameras, grids,
    grid members and incidents; area in km²; CRS; attribution. Lists opening hours that
    cannot be read (those places keep their category's default hours).
    """
    from geodata.bundle import load_district, summarize_district

    summary = summarize_district(load_district(district_dir))
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(summary))


@district.command("import-rentals")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--district",
    "district_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="District bundle folder; default the default district.",
)
@click.option("--replace", is_flag=True, help="Replace the stored rentals instead of adding.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; store nothing.")
def import_rentals_command(
    file: Path, district_dir: Path | None, replace: bool, dry_run: bool
) -> None:
    """Import rental housing (出租屋) from FILE (CSV or GeoJSON) into a district.

    Columns: address, lon, lat (or 地址, 经度, 纬度), optional id, name and phone; a
    GeoJSON file gives points. Rentals are inspected weekly. Bad records are listed with their
    line (or feature) numbers and left out; a file that cannot be used is refused whole and
    nothing stored changes. A record with the id of a stored rental replaces it.
    """
    from geodata.rentals import import_rentals

    report = import_rentals(file, district_dir, replace=replace, dry_run=dry_run)
    for err in report.errors:
        click.echo(f"{file}: {err}", err=True)
    if report.n_bad > len(report.errors):
        click.echo(f"... and {report.n_bad - len(report.errors)} more bad records.", err=True)
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} {report.n_ok} of {report.n_rows} rentals; {report.n_bad} refused"
        + (" (dry run: nothing stored)." if dry_run else ".")
    )


@click.command("import-osm")
@click.argument("osm_file", metavar="FILE", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Bundle folder to write (new, empty, or an existing bundle to replace).",
)
@click.option("--name", "name", default=None, help="District name (default: the file name).")
def import_osm_command(osm_file: Path, out: Path, name: str | None) -> None:
    """Build a district bundle in --out from a local OpenStreetMap file (.osm XML or .osm.pbf).

    Keeps walkable and cyclable streets cut to the file's extent, extracts key areas by
    category (one place per station, duplicates merged) and police posts, adds what a plan
    needs as labelled sample data (a team of four groups of four with vehicles and bases at
    the police posts, grids and grid members) and the default rules.toml, then writes and
    validates the bundle. An existing bundle in --out is replaced only when the new one is
    valid (a rules.toml there is kept); a non-empty folder that is not a bundle is never
    touched.
    """
    from geodata.bundle import MANIFEST, summarize_district, validate_district, write_district
    from geodata.district_defaults import RULES, add_defaults
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
    progress("adding a sample team, grids and grid members, and the default rules")
    built, files = add_defaults(built)
    kept_rules = (out / RULES).is_file()
    if kept_rules:
        files.pop(RULES)
    progress(f"writing {out}")
    write_district(built, out, extra_files=files)
    validate_district(out)
    s = summarize_district(built)
    click.echo(
        f"Wrote {out}: {s['street_nodes']} street nodes, {s['street_edges']} segments "
        f"({s['street_km']:.1f} km, {s['alley_segments']} alleys), {s['key_areas']} key areas "
        f"in {s['key_area_categories']} categories ({s['targets']} patrol targets), "
        f"posts: {s['posts']}, {s['area_km2']:.2f} km²."
    )
    m = built.manifest
    parts = [f"teams.toml ({s['groups']} groups, {s['members']} members, vehicles)"]
    parts.append(f"{s['grid_members']} grid members")
    if "grids" in m.get("sample_layers", []):
        parts.append(f"{s['grids']} grids")
    if m.get("sample_posts"):
        parts.append(f"base post {', '.join(m['sample_posts'])} (the file has no police post)")
    click.echo(f"Sample data, not real: {'; '.join(parts)}.")
    if kept_rules:
        click.echo(f"Kept the bundle's own {RULES}.")
    else:
        click.echo(f"Default rules: {RULES} (review before planning).")
    for problem in s["problems"]:
        click.echo(f"Note: {problem}")
