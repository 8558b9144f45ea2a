"""Roster rules that live in a module of their own, and the registry the core reads them from.

A :class:`RosterRule` holds everything of one rule on the solver's side: the keys it reads in a
table of rules.toml and the check of their values (:meth:`RosterRule.read`), the problem
parameter it turns them into (kept in :attr:`planner.roster.model.PatrolRules.extra` under the
rule's name) and its CP-SAT constraint or penalty (:meth:`RosterRule.add`). The rules file reader,
the problem builder, the model builder and the window search go over :func:`registered` rules;
none of them names a rule of this kind. The rules of the package are in
:mod:`planner.roster.rulebook`, one module each, found there by name; its ``rules()`` is what the
core iterates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from planner.roster.model import RosterProblem
    from planner.roster.rules import Model

P = TypeVar("P")


class RosterRule(ABC, Generic[P]):
    """One roster rule: its rules.toml keys, its problem parameter and its constraint.

    Attributes
    ----------
    name
        Rule id, the key of its parameter in ``PatrolRules.extra`` and of its findings.
    section
        The rules.toml table its keys are in (e.g. ``"fairness"``).
    keys
        The keys of that table it reads.
    text
        Catalogue key (planner/texts/{zh,en}.toml) of the sentence saying the rule is broken.
    """

    name: ClassVar[str]
    section: ClassVar[str]
    keys: ClassVar[frozenset[str]]
    text: ClassVar[str]

    @abstractmethod
    def read(self, table: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> P | None:
        """Return the rule's parameter from its rules.toml table, or None when it is off.

        Parameters
        ----------
        table
            The rule's table of the rules file (empty when the file has none).
        fail
            ``fail(key, what)`` gives the error to raise for a bad value: one sentence naming
            the file, the line and ``section.key``, then ``what``.
        """

    @abstractmethod
    def add(self, m: Model, param: P) -> None:
        """Add the rule's constraint or penalty for ``param`` to the CP-SAT model ``m``."""

    def couples_staff(self, problem: RosterProblem, param: P) -> bool:
        """Whether the rule ties rows of different staff together (then no window search).

        True unless a rule says otherwise: a rule over one row at a time may return False.
        """
        return True


REGISTRY: dict[str, RosterRule[Any]] = {}
"""Registered rules by name, in the order they were registered."""


def register(rule: RosterRule[Any]) -> RosterRule[Any]:
    """Register ``rule`` (a rule module calls this once when it is imported) and return it.

    Raises
    ------
    ValueError
        When another rule of the same name is registered.
    """
    old = REGISTRY.get(rule.name)
    if old is not None and type(old) is not type(rule):
        msg = f"A roster rule named {rule.name!r} is registered twice."
        raise ValueError(msg)
    REGISTRY[rule.name] = rule
    return rule


def registered() -> tuple[RosterRule[Any], ...]:
    """Return the registered rules, the package's own and any registered since."""
    return tuple(REGISTRY.values())
