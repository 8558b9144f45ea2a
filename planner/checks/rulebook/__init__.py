"""The validator's checks of the rules of their own module, each registered on import.

Every module of this folder is imported here, so a new check is a new file in it and nothing
else of the validator changes. :func:`checks` is what the validator iterates.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

from planner.checks.rule_checks import registered

if TYPE_CHECKING:
    from planner.checks.rule_checks import RuleCheck

for _info in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_info.name}")


def checks() -> tuple[RuleCheck[Any], ...]:
    """Return every registered rule check: this folder's and any registered since."""
    return registered()
