"""Sub-commands of the `patrol` command, one module per command group.

Each module defines click commands; add them to ``COMMANDS`` so `patrol` offers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click

COMMANDS: list[click.Command] = []

from web.commands.district import district as _district  # noqa: E402
from web.commands.district import import_osm_command as _import_osm  # noqa: E402
from web.commands.district_map import district_map as _district_map  # noqa: E402
from web.commands.hotspots import hotspots as _hotspots  # noqa: E402
from web.commands.hotspots import incidents as _incidents  # noqa: E402
from web.commands.roster import roster as _roster  # noqa: E402

COMMANDS.append(_hotspots)
COMMANDS.append(_incidents)
COMMANDS.append(_roster)
COMMANDS.extend([_district, _import_osm])
_district.add_command(_district_map, "map")

from web.commands.districts import add_command as _district_add  # noqa: E402
from web.commands.districts import grant_command as _district_grant  # noqa: E402
from web.commands.districts import list_command as _district_list  # noqa: E402

for _command in (_district_add, _district_list, _district_grant):
    _district.add_command(_command)

from web.commands.plan import demo_command as _demo  # noqa: E402
from web.commands.plan import plan_command as _plan  # noqa: E402
from web.commands.plan import replan_command as _replan  # noqa: E402
from web.commands.plan import validate_command as _validate  # noqa: E402

COMMANDS.extend([_plan, _demo, _validate, _replan])

from web.commands.users import users as _users  # noqa: E402

COMMANDS.append(_users)

from web.commands.db import db as _db  # noqa: E402

COMMANDS.append(_db)

from web.commands.city import city as _city  # noqa: E402
from web.commands.worker import worker_command as _worker  # noqa: E402

COMMANDS.extend([_city, _worker])
