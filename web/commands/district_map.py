"""The `patrol district map` command: an offline HTML map of a district."""

from __future__ import annotations

from pathlib import Path

import click

from geodata.errors import InputError


class MapOutputError(InputError):
    """A map cannot be written where the user asked."""


def _default_lang(manifest: dict) -> str:
    """Chinese for a district with a Chinese name (such as the default one), else English."""
    return "zh" if manifest.get("name_zh") else "en"


@click.command("map")
@click.argument("district", metavar="[D]", required=False, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write; it holds every script inline and works with no network.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Label language; default zh for a district with a Chinese name, else en.",
)
@click.option(
    "--online-tiles",
    is_flag=True,
    help="Also offer OpenStreetMap's public tiles as a base layer (off by default; needs the "
    "network when chosen).",
)
@click.option(
    "--no-heat",
    is_flag=True,
    help="Leave out the hotspot heat layer and its hour-of-week selector.",
)
def district_map(
    district: Path | None, out: Path, lang: str | None, online_tiles: bool, no_heat: bool
) -> None:
    """Write a map of district D (default: the default district) as one offline HTML file.

    The map draws the district's own streets (no tile server): major streets, back alleys,
    key areas by category, patrol posts, cameras with view areas, grids, a legend and popups,
    and, as the web app's district map does, the hotspot heat layer with its hour-of-week
    selector (risk from the district's incidents and hotspot overrides).
    """
    from geodata.bundle import load_district
    from web.maps import AssetsMissingError, write_district_map

    if out.exists() and out.is_dir():
        raise MapOutputError(f"Output path {out} is a folder; give an HTML file name.")
    if not out.parent.is_dir():
        raise MapOutputError(f"Output folder {out.parent} does not exist.")
    loaded = load_district(district)
    chosen = lang or _default_lang(loaded.manifest)
    try:
        written = write_district_map(
            loaded, out, lang=chosen, online_tiles=online_tiles, heat=not no_heat
        )
    except AssetsMissingError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise MapOutputError(f"Cannot write {out}: {exc.strerror}.") from exc
    size_kb = written.stat().st_size / 1024
    click.echo(
        f"Wrote {written} ({size_kb:,.0f} KB): {len(loaded.streets)} street segments, "
        f"{len(loaded.key_areas)} key areas, {len(loaded.posts)} posts, "
        f"{len(loaded.cameras)} cameras, {len(loaded.grids)} grids"
        + ("." if no_heat else "; hotspot heat by hour of the week.")
    )
