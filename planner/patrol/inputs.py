"""A district's planning inputs, read once: bundle, rules, team, street network, travel times.

:func:`load_inputs` resolves the district folder and its rules file, loads the bundle (which
reads and checks ``teams.toml``), parses the rules once, gives every group its travel mode and
base post, builds the street network and the travel-time matrices of the modes the groups use
between every key area and post. Planning (:func:`planner.patrol.pipeline.make_plan`),
validation (:func:`planner.checks.plan.validate_plan`) and re-planning
(:func:`planner.patrol.replan.replan`) all take the resulting :class:`PlanInputs`; the
command line and the web app's jobs call :func:`load_inputs` once per plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from geodata.settings import MODES
from planner.exceptions import PlanInputError, RulesError
from planner.patrol.rules_file import load_rules
from planner.patrol.streets import alley_runs
from planner.patrol.teams import read_teams
from planner.plan.document import fingerprint_files

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from geodata.bundle import District
    from geodata.network import StreetNetwork
    from planner.patrol.rules_file import RulesFile
    from planner.patrol.streets import StreetRun
    from planner.patrol.teams import TeamMember, Teams

RULES_FILE = "rules.toml"
"""Name of the rules file inside a district folder."""

TEAMS_FILE = "teams.toml"
"""Name of the teams file inside a district folder."""

DEFAULT_MODE = "ebike"
"""Travel mode of a group for which neither the rules nor teams.toml name one."""

COORD_DIGITS = 7
"""Decimals kept of each point's longitude and latitude (about 1 cm); the travel times are
computed from the rounded coordinates, so they can be recomputed from a plan.json alone."""

POST_PREFIX = "post:"
"""Prefix of a post's point id (key-area ids are used as they are)."""

RENTAL_PREFIX = "rental:"
"""Prefix of a rental's point id (``"rental:<rental id>"``)."""


@dataclass(frozen=True, slots=True)
class PatrolGroup:
    """A group as the plan uses it: members, travel mode and base post resolved.

    Attributes
    ----------
    id, name, name_en
        Stable id, Chinese and English names.
    members
        Member ids in roll order.
    mode
        Travel mode of the group's patrols.
    base_post
        Id of the post (police room) its patrols start and end at.
    """

    id: str
    name: str
    name_en: str
    members: tuple[str, ...]
    mode: str
    base_post: str


@dataclass(frozen=True, slots=True, eq=False)
class DistrictPoints:
    """The district's routable points and their travel times per mode.

    Attributes
    ----------
    ids
        Key-area ids, then ``"post:<post id>"`` for each post.
    lonlat
        (n, 2) rounded longitude, latitude of each point.
    names, names_en, categories
        Name, English name and category (``"post"`` for posts) of each point.
    matrices
        Mode -> (n, n) int64 seconds (:func:`geodata.network.travel_time_matrix`).
    """

    ids: tuple[str, ...]
    lonlat: np.ndarray
    names: tuple[str, ...]
    names_en: tuple[str, ...]
    categories: tuple[str, ...]
    matrices: dict[str, np.ndarray] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {pid: i for i, pid in enumerate(self.ids)})

    def at(self, point_id: str) -> int:
        """Return the index of a point id; raises PlanInputError when unknown."""
        try:
            return self.index[point_id]
        except KeyError:
            msg = f"The district has no key area or post {point_id!r}."
            raise PlanInputError(msg) from None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def district_points(
    district: Any,
    network: StreetNetwork,
    modes: Sequence[str],
    runs: Sequence[StreetRun] = (),
    events: Sequence[tuple[str, str, float, float]] = (),
) -> DistrictPoints:
    """Collect the district's key areas, posts and alley ends and their travel times per mode.

    Parameters
    ----------
    district
        A loaded ``geodata.District``.
    network
        Its street network.
    modes
        The travel modes needed (one matrix each).
    runs
        Alley runs (:func:`planner.patrol.streets.alley_runs`): each adds its two ends,
        ``"<run id>:a"`` and ``":b"``.
    events
        Temporary places of surge dates' events: ``(id, name, lon, lat)``.

    The district's rental housing (its ``rentals`` layer, inspected weekly) come last, as
    ``"rental:<id>"``.
    """
    from geodata.categories import CATEGORIES
    from geodata.categories import label as category_label
    from geodata.network import travel_time_matrix

    areas = district.key_areas
    posts = district.posts
    reps = areas.geometry.representative_point()
    lon = np.concatenate([reps.x.to_numpy(), posts.geometry.x.to_numpy()])
    lat = np.concatenate([reps.y.to_numpy(), posts.geometry.y.to_numpy()])
    ends = [network.node_lonlat([r.nodes[0], r.nodes[-1]]) for r in runs]
    if ends:
        stacked = np.vstack(ends)
        lon, lat = np.concatenate([lon, stacked[:, 0]]), np.concatenate([lat, stacked[:, 1]])
    if events:
        lon = np.concatenate([lon, [e[2] for e in events]])
        lat = np.concatenate([lat, [e[3] for e in events]])
    rentals = getattr(district, "rentals", None)
    if rentals is None or not len(rentals):
        rentals = None
    else:
        lon = np.concatenate([lon, rentals.geometry.x.to_numpy()])
        lat = np.concatenate([lat, rentals.geometry.y.to_numpy()])
    lonlat = np.round(np.column_stack([lon, lat]), COORD_DIGITS)
    ids = [str(a) for a in areas["id"]] + [POST_PREFIX + str(p) for p in posts["id"]]
    ids += [f"{r.id}:{end}" for r in runs for end in ("a", "b")]
    names = [_text(v) for v in areas["name"]] + [_text(v) for v in posts["name"]]
    names += [r.name or "背街小巷" for r in runs for _ in "ab"]
    en_col = "name_en" if "name_en" in areas.columns else None
    names_en = [_text(v) for v in areas[en_col]] if en_col else [""] * len(areas)
    names_en += [""] * len(posts) + ["Back alley"] * (2 * len(runs))
    cats = [str(c) for c in areas["category"]] + ["post"] * len(posts)
    cats += ["alley"] * (2 * len(runs))
    ids += [e[0] for e in events]
    names += [e[1] for e in events]
    names_en += [""] * len(events)
    cats += ["square"] * len(events)
    if rentals is not None:
        ids += [RENTAL_PREFIX + str(r) for r in rentals["id"]]
        names += [
            _text(v) or _text(a) for v, a in zip(rentals["name"], rentals["address"], strict=True)
        ]
        names_en += [""] * len(rentals)
        cats += ["rental"] * len(rentals)
    for i, name in enumerate(names):
        if not name:  # an unnamed place is called by its category, e.g. "餐饮 (unnamed)"
            kind = category_label(cats[i], "zh") if cats[i] in CATEGORIES else cats[i]
            names[i] = f"{names_en[i] or kind} (unnamed)"
    mats = {m: travel_time_matrix(network, lonlat, m) for m in sorted(set(modes))}
    return DistrictPoints(tuple(ids), lonlat, tuple(names), tuple(names_en), tuple(cats), mats)


@dataclass(frozen=True, slots=True, eq=False)
class PlanInputs:
    """Everything a plan is made from, read once and shared by planning and checking.

    Attributes
    ----------
    district
        The loaded bundle (layers, manifest, incidents, the checked ``teams.toml`` table).
    folder
        The bundle folder.
    rules_path, teams_path
        The rules file and the teams file (None when the district has none).
    rules_text
        The rules file's text as read (the validator reads it its own way).
    rules
        The parsed rules.
    teams
        The parsed team (groups, members, vehicle pool).
    groups
        The rules' groups with their travel mode and base post.
    network
        The street network of the district.
    alleys
        The back-alley runs (:func:`planner.patrol.streets.alley_runs`).
    area_grids
        Key area id -> the id of the grid its representative point lies in (areas outside
        every grid are left out).
    points
        Key areas, posts and alley ends with the travel-time matrices of the modes the groups
        use.
    fingerprints
        File name -> sha256 of every input file, as the plan records them.
    """

    district: District
    folder: Path
    rules_path: Path
    teams_path: Path | None
    rules_text: str
    rules: RulesFile
    teams: Teams
    groups: tuple[PatrolGroup, ...]
    network: StreetNetwork
    alleys: tuple[StreetRun, ...]
    area_grids: Mapping[str, str]
    points: DistrictPoints
    fingerprints: Mapping[str, str]

    def files(self) -> dict[str, Path]:
        """Return name -> path of every input file whose fingerprint the plan records."""
        return _input_files(self.folder, self.rules_path, self.teams_path)

    def group(self, group_id: str) -> PatrolGroup:
        """Return the group with id ``group_id``.

        Raises
        ------
        KeyError
            When no group has that id.
        """
        for g in self.groups:
            if g.id == group_id:
                return g
        msg = f"No group {group_id!r}."
        raise KeyError(msg)

    def member(self, member_id: str) -> TeamMember | None:
        """Return the team member with id ``member_id``, or None when teams.toml lacks them."""
        return self.teams.members.get(member_id)

    @property
    def modes(self) -> tuple[str, ...]:
        """The travel modes with a matrix in :attr:`points`."""
        return tuple(sorted(self.points.matrices))


def _input_files(folder: Path, rules: Path, teams: Path | None) -> dict[str, Path]:
    out = {
        name: folder / name
        for name in ("manifest.toml", "district.gpkg", "incidents.csv")
        if (folder / name).is_file()
    }
    out[RULES_FILE] = rules
    if teams is not None:
        out[TEAMS_FILE] = teams
    return out


EVENT_PREFIX = "event:"
"""Prefix of the point id of a surge date's event (``"event:2026-12-13"``)."""


def event_id(day: Any) -> str:
    """Return the point id of the event of the surge date ``day``."""
    return f"{EVENT_PREFIX}{day.isoformat()}"


def area_grids(district: Any) -> dict[str, str]:
    """Return key area id -> the grid its representative point lies in."""
    import geopandas as gpd

    areas, grids = district.key_areas, district.grids
    if grids is None or not len(grids) or not len(areas):
        return {}
    points = gpd.GeoDataFrame(
        {"area": areas["id"].astype(str)},
        geometry=areas.geometry.representative_point(),
        crs=areas.crs,
    )
    joined = gpd.sjoin(points, grids[["id", "geometry"]], predicate="within")
    return {str(a): str(g) for a, g in zip(joined["area"], joined["id"], strict=True)}


def resolve_files(
    district: str | Path | None, rules: str | Path | None = None
) -> tuple[Path, Path, Path | None]:
    """Find a district's folder, its rules file and its teams file, before reading anything.

    Parameters
    ----------
    district
        The bundle folder; None for the default district.
    rules
        A rules file to use instead of the district's ``rules.toml``.

    Returns
    -------
    tuple
        ``(folder, rules file, teams file or None)``.

    Raises
    ------
    RulesError
        When the district folder or the rules file does not exist.
    """
    from geodata.bundle import DEFAULT_DISTRICT_DIR

    folder = DEFAULT_DISTRICT_DIR if district is None else Path(district)
    if not folder.is_dir():
        msg = f"District folder {folder} does not exist."
        raise RulesError(msg)
    rules_path = Path(rules) if rules is not None else folder / RULES_FILE
    if not rules_path.is_file():
        msg = f"Rules file {rules_path} does not exist."
        raise RulesError(msg)
    teams = folder / TEAMS_FILE
    return folder, rules_path, teams if teams.is_file() else None


def resolve_groups(rules: RulesFile, post_ids: Sequence[str], where: str) -> list[PatrolGroup]:
    """Give each group of the rules its travel mode and base post.

    The mode is the group's ``mode`` in the rules file, else its ``default_mode`` in
    teams.toml, else :data:`DEFAULT_MODE`. The base post is the ``base_post`` named there, else
    the district's posts in id order, one per group in turn.
    """
    posts = sorted(post_ids)
    if not posts:
        msg = f"District {where} has no posts to base patrol groups at."
        raise RulesError(msg)
    out = []
    for i, g in enumerate(rules.groups):
        mode = g.mode or DEFAULT_MODE
        if mode not in MODES:
            msg = f"Group {g.id!r} has travel mode {mode!r}; use one of {', '.join(MODES)}."
            raise RulesError(msg)
        base = g.base_post or posts[i % len(posts)]
        if base not in posts:
            msg = f"Group {g.id!r} has base post {base!r}, which is not a post of the district."
            raise RulesError(msg)
        out.append(PatrolGroup(g.id, g.name, g.name_en, tuple(m.id for m in g.members), mode, base))
    return out


def load_inputs(
    district: str | Path | District | None, rules: str | Path | None = None
) -> PlanInputs:
    """Read a district's planning inputs once.

    Parameters
    ----------
    district
        A bundle folder, a loaded ``geodata.District`` or None for the default district.
    rules
        A rules file to use instead of the district's ``rules.toml``.

    Returns
    -------
    PlanInputs
        The bundle, rules, team, network and travel times.

    Raises
    ------
    RulesError
        When the district folder or the rules file is missing or the rules file is wrong
        (one sentence naming the line and key).
    geodata.errors.BundleError
        When the bundle is incomplete or inconsistent.
    """
    from geodata.bundle import District, load_district
    from geodata.network import StreetNetwork

    if isinstance(district, District):
        if district.path is None:
            msg = "The district has no folder; save it as a bundle before planning."
            raise RulesError(msg)
        loaded = district
        folder, rules_path, teams_path = resolve_files(district.path, rules)
    else:
        folder, rules_path, teams_path = resolve_files(district, rules)
        loaded = load_district(folder)
    try:
        text = rules_path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"Cannot read the rules file {rules_path}: {exc}."
        raise RulesError(msg) from exc
    except UnicodeDecodeError:
        msg = f"The rules file {rules_path} is not UTF-8 text."
        raise RulesError(msg) from None
    teams = read_teams(loaded.teams)
    parsed = load_rules(rules_path, teams=teams, text=text)
    groups = resolve_groups(parsed, [str(p) for p in loaded.posts["id"]], folder.name)
    size = parsed.shift_time.unit_size
    for g in groups:
        if len(g.members) < size:
            msg = (
                f"{rules_path.name}: [units] size is {size}, but group {g.id} has only "
                f"{len(g.members)} members, so it cannot make one unit; lower the size."
            )
            raise RulesError(msg)
    network = StreetNetwork.from_district(loaded)
    # The groups' modes, the together windows' and walking (grid members, foot patrols).
    modes = sorted(
        {g.mode for g in groups} | {t.mode for t in parsed.together if t.mode} | {"foot"}
    )
    runs = alley_runs(loaded, network)
    events = [
        (event_id(s.date), s.event.name or s.name, s.event.lon, s.event.lat)
        for s in parsed.surge_dates
        if s.event is not None
    ]
    points = district_points(loaded, network, modes, runs, events)
    fingerprints = fingerprint_files(dict(_input_files(folder, rules_path, teams_path)))
    return PlanInputs(
        district=loaded,
        folder=folder,
        rules_path=rules_path,
        teams_path=teams_path,
        rules_text=text,
        rules=parsed,
        teams=teams,
        groups=tuple(groups),
        network=network,
        alleys=tuple(runs),
        area_grids=area_grids(loaded),
        points=points,
        fingerprints=fingerprints,
    )
