"""The validator's side of the roster rules of their own module, and the registry of its checks.

A :class:`RuleCheck` recomputes one rule from the roster alone: it reads the rule's parameter
from the problem (``PatrolRules.extra``, under the rule's name) and says, in the catalogue's
words, where the roster breaks the rule or what it costs. :func:`planner.checks.roster.check_roster`
goes over :func:`registered` checks; it names none of them. The package's checks are in
:mod:`planner.checks.rulebook`, one module each, found there by name. Nothing of the solver's
model or of the problem builder is imported here or there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from planner.roster.model import RosterProblem

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """Where a roster breaks a rule (``penalty`` 0 for a hard rule) and the sentence saying it."""

    staff: str
    days: tuple[int, ...]
    penalty: int
    message: str


class RuleCheck(ABC, Generic[P]):
    """The validator's check of one rule.

    Attributes
    ----------
    name
        Rule id, the same as the solver's rule of that name.
    hard
        Whether a finding is a broken hard rule (else a soft penalty).
    text
        Catalogue key (planner/texts/{zh,en}.toml) of the sentence of a finding.
    """

    name: ClassVar[str]
    hard: ClassVar[bool]
    text: ClassVar[str]

    @abstractmethod
    def check(
        self,
        problem: RosterProblem,
        assignment: Mapping[str, Sequence[str | None]],
        param: P,
    ) -> list[RuleFinding]:
        """Return where ``assignment`` (staff id -> shift id or None per day) breaks the rule."""


REGISTRY: dict[str, RuleCheck[Any]] = {}
"""Registered checks by rule name, in the order they were registered."""


def register(check: RuleCheck[Any]) -> RuleCheck[Any]:
    """Register ``check`` (a check module calls this once when it is imported) and return it.

    Raises
    ------
    ValueError
        When another check of the same rule name is registered.
    """
    old = REGISTRY.get(check.name)
    if old is not None and type(old) is not type(check):
        msg = f"A rule check named {check.name!r} is registered twice."
        raise ValueError(msg)
    REGISTRY[check.name] = check
    return check


def registered() -> tuple[RuleCheck[Any], ...]:
    """Return the registered checks, the package's own and any registered since."""
    return tuple(REGISTRY.values())
