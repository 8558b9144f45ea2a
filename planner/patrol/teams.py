"""The patrol team of a district (teams.toml): groups, members, the vehicle pool.

The bundle loader (:func:`geodata.bundle.load_district`) reads and checks ``teams.toml`` once;
:func:`read_teams` turns that table into typed records, so no other module parses the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geodata.settings import MODES

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A full-time member of the patrol team.

    Attributes
    ----------
    id
        Stable member id, e.g. ``"A1"``.
    name
        The member's name.
    group
        The group the member belongs to, or None for a member of no group (a reserve).
    role
        ``"leader"`` or ``"member"``.
    licences
        Vehicle kinds the member may ride that need a licence (``"motorcycle"``).
    phone
        Contact number, shown to captains.
    """

    id: str
    name: str = ""
    group: str | None = None
    role: str = "member"
    licences: frozenset[str] = frozenset()
    phone: str = ""


@dataclass(frozen=True, slots=True)
class TeamGroup:
    """A patrol group as teams.toml describes it.

    Attributes
    ----------
    id, name, name_en
        Stable id, Chinese and English names.
    members
        Member ids in roll order.
    mode
        The group's usual travel mode (``default_mode``), or None when not set.
    base_post
        The post (police room) the group works from, or None when not set.
    leader
        The leader's member id, or None.
    """

    id: str
    name: str
    name_en: str
    members: tuple[str, ...]
    mode: str | None = None
    base_post: str | None = None
    leader: str | None = None


@dataclass(frozen=True, slots=True)
class PoolVehicle:
    """A vehicle of the team's pool: id, travel mode and name."""

    id: str
    mode: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Teams:
    """Everything teams.toml says, typed.

    Attributes
    ----------
    groups
        The groups in file order.
    members
        Member id -> member, for every member listed (in ``[[members]]`` or inside a group).
    vehicles
        The vehicle pool.
    """

    groups: tuple[TeamGroup, ...] = ()
    members: Mapping[str, TeamMember] = field(default_factory=dict)
    vehicles: tuple[PoolVehicle, ...] = ()

    def pool(self) -> dict[str, int]:
        """Return how many vehicles of each travel mode the pool holds."""
        return dict(Counter(v.mode for v in self.vehicles))

    def group(self, group_id: str) -> TeamGroup | None:
        """Return the group with id ``group_id``, or None."""
        return next((g for g in self.groups if g.id == group_id), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_teams(data: Mapping[str, Any] | None) -> Teams:
    """Turn a parsed and checked ``teams.toml`` (``District.teams``) into :class:`Teams`.

    Members may be listed in ``[[members]]`` (with name, group, role, licences, phone) or only
    by id inside their group, or as inline tables there; a member's group is the group that lists
    them, else the ``group`` of their ``[[members]]`` entry.

    Parameters
    ----------
    data
        The table :func:`geodata.bundle.load_district` read (empty or None: no team file).

    Returns
    -------
    Teams
        The typed team.
    """
    data = data or {}
    members: dict[str, TeamMember] = {}
    for m in data.get("members", []):
        licences = m.get("licences", [])
        members[str(m["id"])] = TeamMember(
            id=str(m["id"]),
            name=_text(m.get("name")),
            group=_text(m.get("group")) or None,
            role=_text(m.get("role")) or "member",
            licences=frozenset(str(x) for x in licences if isinstance(x, str)),
            phone=_text(m.get("phone")),
        )
    groups = []
    for g in data.get("groups", []):
        gid = str(g["id"])
        ids = []
        for m in g.get("members", []):
            if isinstance(m, dict):
                mid = str(m.get("id", ""))
                known = members.get(mid)
                members[mid] = TeamMember(
                    id=mid,
                    name=_text(m.get("name")) or (known.name if known else ""),
                    group=gid,
                    role=_text(m.get("role")) or (known.role if known else "member"),
                    licences=known.licences if known else frozenset(),
                    phone=known.phone if known else "",
                )
            else:
                mid = str(m)
                known = members.get(mid)
                members[mid] = (
                    TeamMember(mid, group=gid)
                    if known is None
                    else TeamMember(mid, known.name, gid, known.role, known.licences, known.phone)
                )
            ids.append(mid)
        mode = g.get("default_mode")
        groups.append(
            TeamGroup(
                id=gid,
                name=_text(g.get("name")) or gid,
                name_en=_text(g.get("name_en")) or f"Group {gid}",
                members=tuple(ids),
                mode=str(mode) if mode in MODES else None,
                base_post=_text(g.get("base_post")) or None,
                leader=_text(g.get("leader")) or None,
            )
        )
    vehicles = tuple(
        PoolVehicle(str(v["id"]), str(v["mode"]), _text(v.get("name")))
        for v in data.get("vehicles", [])
    )
    return Teams(tuple(groups), members, vehicles)
