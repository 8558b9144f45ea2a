"""Sub-commands of the `patrol` command, one module per command group.

Each module defines click commands; add them to ``COMMANDS`` so `patrol` offers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click

COMMANDS: list[click.Command] = []

from web.commands.hotspots import hotspots as _hotspots  # noqa: E402

COMMANDS.append(_hotspots)
