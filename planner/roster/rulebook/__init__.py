"""The package's roster rules of their own module, each registered when its module is imported.

Every module of this folder is imported here, so a new rule is a new file in it and nothing
else of the solver changes. :func:`rules` is what the core iterates.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

from planner.roster.rule_registry import registered

if TYPE_CHECKING:
    from planner.roster.rule_registry import RosterRule

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")


def rules() -> tuple[RosterRule[Any], ...]:
    """Return every registered roster rule: this folder's and any registered since."""
    return registered()
