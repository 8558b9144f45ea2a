"""What an imported district needs to be planned: a team, rules, grids, grid members and a base.

An OpenStreetMap file has streets, places and police posts, but no patrol team, no rules and
(almost never) grids. :func:`add_defaults` fills them in with labelled sample data, so that
``patrol plan --district D`` works right after ``patrol import-osm FILE --out D``:

- ``teams.toml``: 4 groups of 4 (:func:`geodata.sample_data.sample_teams`) with the vehicle pool
  of 8 bicycles, 15 e-bikes and 2 motorcycles, a few members licensed to ride the motorcycles,
  and the grid members; each group's base is one of the imported police posts in turn (police
  rooms first), or one sample police room at the busiest junction when the file has none.
- Grids: a regular grid of about 0.45 km² cells clipped to the boundary
  (:func:`geodata.sample_data.regular_grids`) when the district has none.
- Grid members: a grid member and a volunteer per grid, part-time around school hours.
- ``rules.toml``: the default district's rules, copied as data (so settings added to the default
  rules later carry over), without their district-specific dated entries
  (:data:`DISTRICT_SPECIFIC_RULES`).

The manifest lists what is sample data (``sample_layers``, ``sample_posts``, ``sample_note``)
and that the rules are the defaults (``default_files``).
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import tomlkit
from shapely.geometry import Point

from geodata.bundle import DEFAULT_DISTRICT_DIR, STORAGE_CRS, District
from geodata.errors import BundleError
from geodata.sample_data import (
    DEFAULT_SEED,
    first_street,
    regular_grids,
    sample_grid_members,
    sample_teams,
    street_junctions,
)

logger = logging.getLogger("geodata")

RULES = "rules.toml"
"""The rules file of a bundle (read by the planner)."""

DEFAULT_RULES: Path = DEFAULT_DISTRICT_DIR / RULES
"""The rules an imported district starts from."""

DISTRICT_SPECIFIC_RULES: tuple[str, ...] = ("leave", "pins", "surge.dates")
"""Tables of the default rules that belong to its own team and calendar: members' leave,
pinned assignments and the district's surge dates. An imported district gets the rest."""

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(?:#.*)?$")
_NAME = re.compile(r"^name\s*=.*$")


def _target_points(district: District) -> list[Any]:
    """Return the representative points (work CRS) of the district's patrol targets."""
    from geodata.categories import CATEGORIES

    areas = district.key_areas
    if not len(areas):
        return []
    keep = [c in CATEGORIES and CATEGORIES[c].target for c in areas["category"]]
    points = areas[keep].to_crs(district.work_crs).geometry.representative_point()
    return list(points)


def _blocks(lines: list[str]) -> list[tuple[str | None, int, int]]:
    """Split TOML lines into (table, first, end) blocks, the first one before any table.

    A block owns the comment lines that lead into its header (back to a blank line).
    """
    starts: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m is None:
            continue
        lead = i
        while lead > 0 and lines[lead - 1].lstrip().startswith("#"):
            lead -= 1
        starts.append((m.group(1), lead))
    out: list[tuple[str | None, int, int]] = []
    first = starts[0][1] if starts else len(lines)
    out.append((None, 0, first))
    for k, (table, begin) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else len(lines)
        out.append((table, begin, end))
    return out


def _without(doc: dict[str, Any], dotted: str) -> None:
    """Remove the table at the ``dotted`` path from a parsed TOML document, if present."""
    *parents, last = dotted.split(".")
    node: Any = doc
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(last, None)


def default_rules_text(name: str, *, source: str | Path = DEFAULT_RULES) -> str:
    """Return the default rules for a district called ``name``, comments kept.

    The default district's ``rules.toml`` is copied line by line without the tables of
    :data:`DISTRICT_SPECIFIC_RULES` (and the comment lines leading into them); its ``name``
    becomes "``name`` patrol team" and its first comment line says where the rules come from.
    The result is parsed back and compared with the source minus those tables; where the line
    copy does not give that (entries written as inline arrays), the entries are removed from
    the document parsed by tomlkit instead. A copy that would change any other setting is
    refused.

    Raises
    ------
    BundleError
        When the source is missing or the copy does not match it.
    """
    file = Path(source)
    try:
        text = file.read_text(encoding="utf-8")
        expected = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"The default rules {file} cannot be read ({exc})."
        raise BundleError(msg) from None
    lines = text.splitlines()
    kept: list[str] = []
    for table, begin, end in _blocks(lines):
        if table in DISTRICT_SPECIFIC_RULES:
            continue
        kept.extend(lines[begin:end])
    team = f"{name} patrol team"
    for i, line in enumerate(kept):
        if _HEADER.match(line):
            break
        if _NAME.match(line):
            kept[i] = f"name = {_quoted(team)}"
            break
    if kept and kept[0].startswith("#"):
        kept[0:1] = [
            f"# Patrol roster rules for {name}: the default rules, copied from the default "
            "district",
            "# without its dated entries (leave, pins, surge dates). Review them before planning.",
        ]
    out = "\n".join(kept).rstrip("\n") + "\n"
    for dotted in DISTRICT_SPECIFIC_RULES:
        _without(expected, dotted)
    if "name" in expected:
        expected["name"] = team
    if _parses_to(out, expected):
        return out
    # A layout the line copy does not follow (an inline array of leave, a dotted key):
    # remove the entries from the parsed document instead, keeping what comments tomlkit can.
    doc = tomlkit.parse(text)
    for dotted in DISTRICT_SPECIFIC_RULES:
        *parents, last = dotted.split(".")
        node: Any = doc
        for key in parents:
            node = node.get(key) if hasattr(node, "get") else None
        if node is not None and hasattr(node, "get") and last in node:
            del node[last]
    if "name" in doc:
        doc["name"] = team
    out = tomlkit.dumps(doc)
    if _parses_to(out, expected):
        return out
    msg = f"The default rules {file} could not be copied without changing other settings."
    raise BundleError(msg)


def _parses_to(text: str, expected: dict[str, Any]) -> bool:
    try:
        return tomllib.loads(text) == expected
    except tomllib.TOMLDecodeError:
        return False


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sample_post(district: District) -> gpd.GeoDataFrame:
    """Return one sample police room at the busiest junction (major streets, then degree)."""
    junctions = street_junctions(district.streets.to_crs(district.work_crs))
    top = junctions.iloc[0]
    street = first_street(str(top["streets"]))
    return gpd.GeoDataFrame(
        {
            "id": ["PR01"],
            "name": [f"{street}社区警务室 (sample police room)"],
            "kind": ["police_room"],
            "source": ["sample"],
        },
        geometry=[Point(float(top["x"]), float(top["y"]))],
        crs=district.work_crs,
    ).to_crs(STORAGE_CRS)


def add_defaults(
    district: District, *, seed: int = DEFAULT_SEED
) -> tuple[District, dict[str, str]]:
    """Return an imported district with what a plan needs, and the files to write with it.

    Parameters
    ----------
    district
        A district from :func:`geodata.osm_import.import_osm`.
    seed
        Seed of the sample team and grid members.

    Returns
    -------
    tuple
        The district with teams (groups, members, vehicles, grid members), a base for every
        group, and grids; and ``{"rules.toml": text}`` (see :func:`default_rules_text`) for
        :func:`geodata.bundle.write_district`'s ``extra_files``.

    Raises
    ------
    BundleError
        When the district has no streets or the default rules cannot be copied.
    """
    if not len(district.streets):
        msg = f"District {district.name!r} has no streets to place a base on."
        raise BundleError(msg)
    posts = district.posts.copy()
    if "source" not in posts.columns:
        posts["source"] = "osm"
    sample_posts: list[str] = []
    if not len(posts):
        posts = _sample_post(district)
        sample_posts = ["PR01"]
    sample = ["teams", "grid_members"]
    grids = district.grids
    if not len(grids):
        grids = regular_grids(district, places=_target_points(district))
        sample.append("grids")
    teams = sample_teams(seed)
    teams["note"] = (
        "Sample team generated by geodata/district_defaults.py for an imported district; "
        "names and phones are invented. Replace them with the real team."
    )
    order = posts.assign(room=(posts["kind"] != "police_room").astype(int))
    bases = order.sort_values(["room", "id"])["id"].astype(str).tolist()
    for i, group in enumerate(teams["groups"]):
        group["base_post"] = bases[i % len(bases)]
    teams["grid_members"] = sample_grid_members(
        grids, seed, exclude={m["name"] for m in teams["members"]}
    )
    manifest = dict(district.manifest)
    manifest["sample_layers"] = sample
    manifest["sample_posts"] = sample_posts
    manifest["sample_seed"] = seed
    made = ", ".join(sample + (["post PR01"] if sample_posts else []))
    manifest["sample_note"] = (
        f"Sample data generated at import ({made}; rows with source = sample); not real. "
        "rules.toml holds the default rules."
    )
    manifest["default_files"] = [RULES]
    rules = default_rules_text(district.name)
    out = replace(
        district,
        manifest=manifest,
        posts=gpd.GeoDataFrame(pd.DataFrame(posts), geometry="geometry", crs=STORAGE_CRS),
        grids=grids,
        teams=teams,
    )
    logger.info(
        "defaults for %s: %d groups, %d grid members, %d grids%s",
        district.name, len(teams["groups"]), len(teams["grid_members"]), len(grids),
        ", one sample post" if sample_posts else "",
    )  # fmt: skip
    return out, {RULES: rules}
