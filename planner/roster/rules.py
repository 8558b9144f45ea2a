"""Roster rules as CP-SAT constraints: one ``add_*`` function per rule, hard rules first."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.roster import rulebook
from planner.roster.model import rest_conflicts

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from planner.roster.model import Crew, RosterProblem

Lit = cp_model.IntVar

#: Rule ids and the words a captain reads for each (hard rules, used in conflict explanations).
RULE_WORDS: dict[str, str] = {
    "pinned": "assignments fixed in advance",
    "days_off": "fixed days off",
    "forbidden_succession": "shifts that may not follow each other",
    "min_rest": "minimum rest between shifts",
    "rest_after_night": "rest after a night shift before the next shift",
    "max_shifts_of_type": "maximum number of shifts of one kind",
    "max_minutes": "maximum total working time",
    "min_minutes": "minimum total working time",
    "max_consecutive": "maximum working days in a row",
    "min_consecutive": "minimum working days in a row",
    "min_consecutive_off": "minimum days off in a row",
    "max_weekends": "maximum working weekends",
    "max_nights_in_row": "maximum nights in a row",
    "pattern": "the rotation pattern",
    "min_crew": "minimum crew per group on shift",
    "cover": "how many groups each shift needs",
    "carry_in": "rest and days in a row across the start of the period",
}


@dataclass
class Model:
    """A CP-SAT model of a roster problem with its decision variables.

    ``x[p, d, s]`` is 1 when staff ``p`` works shift ``s`` on day ``d`` (absent when it can
    never be 1); ``off[p, d]`` is 1 on a day off; ``lend[m, g, d]`` is 1 when member ``m`` fills
    in for group ``g`` on day ``d``. ``terms`` are the objective's ``(weight, variable)``.
    ``guards`` maps a hard rule key ``(rule, staff id)`` to its enforcement literal when the
    model is built for explanations.
    """

    problem: RosterProblem
    cp: cp_model.CpModel
    x: dict[tuple[int, int, int], Lit] = field(default_factory=dict)
    off: dict[tuple[int, int], Lit] = field(default_factory=dict)
    lend: dict[tuple[str, str, int], Lit] = field(default_factory=dict)
    terms: list[tuple[int, cp_model.LinearExprT]] = field(default_factory=list)
    guards: dict[tuple[str, str], Lit] = field(default_factory=dict)
    guarded: bool = False
    relaxed: frozenset[tuple[str, str]] | None = None
    relax_weight: int = 0

    def guard(self, rule: str, staff: str = "") -> list[Lit]:
        """Enforcement literals of hard rule ``rule`` for ``staff`` (empty when unguarded).

        When ``relaxed`` is set, only those rule keys get literals, a fresh one for each
        constraint, and each constraint broken costs ``relax_weight``.
        """
        if not self.guarded:
            return []
        key = (rule, staff)
        if self.relaxed is not None:
            if key not in self.relaxed:
                return []
            # Relaxed: one literal per constraint, so each breach is paid for.
            lit = self.cp.new_bool_var(f"relax({rule},{staff})")
            self.terms.append((self.relax_weight, 1 - lit))
            return [lit]
        if key not in self.guards:
            lit = self.cp.new_bool_var(f"rule({rule},{staff})")
            self.guards[key] = lit
        return [self.guards[key]]

    def work(self, p: int, d: int) -> Lit:
        """Literal true when staff ``p`` works on day ``d``."""
        return ~self.off[p, d]  # type: ignore[return-value]

    def shift_lit(self, p: int, d: int, s: int) -> Lit | None:
        """Return the variable of (p, d, s), or ``None`` when it is always 0."""
        return self.x.get((p, d, s))

    def penalise(self, weight: int, expr: cp_model.LinearExprT) -> None:
        """Add ``weight * expr`` to the objective."""
        if weight:
            self.terms.append((weight, expr))


def create_variables(m: Model) -> None:
    """Create the shift and day-off variables; one shift (or off) per staff and day."""
    pr = m.problem
    for p, staff in enumerate(pr.staff):
        kinds = [s for s, sh in enumerate(pr.shifts) if staff.max_of(sh.id) != 0]
        for d in range(pr.days):
            m.off[p, d] = m.cp.new_bool_var(f"off(p={p},d={d})")
            lits = [m.off[p, d]]
            if d not in staff.days_off:
                for s in kinds:
                    lit = m.x[p, d, s] = m.cp.new_bool_var(f"x(p={p},d={d},s={s})")
                    lits.append(lit)
            m.cp.add_exactly_one(lits)


def add_days_off(m: Model) -> None:
    """Keep fixed days off: the staff member works no shift on these days."""
    pr = m.problem
    for p, staff in enumerate(pr.staff):
        for d in sorted(staff.days_off):
            m.cp.add_bool_or([m.off[p, d]]).only_enforce_if(m.guard("days_off", staff.id))


def add_pins(m: Model) -> None:
    """Pinned assignments are kept as given."""
    pr = m.problem
    pidx = {s.id: i for i, s in enumerate(pr.staff)}
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    for pin in pr.pins:
        p = pidx[pin.staff]
        g = m.guard("pinned", pin.staff)
        if pin.shift is None:
            m.cp.add_bool_or([m.off[p, pin.day]]).only_enforce_if(g)
        else:
            lit = m.shift_lit(p, pin.day, sidx[pin.shift])
            if lit is None:
                m.cp.add_bool_or([]).only_enforce_if(g)
            else:
                m.cp.add_bool_or([lit]).only_enforce_if(g)


#: Beyond this many forbidden (shift, next shift) pairs, successions are grouped per day.
GROUPED_SUCCESSIONS = 40


def add_forbidden_successions(m: Model) -> None:
    """Shift ``b`` may not be worked the day after shift ``a`` (within the horizon only).

    Beyond :data:`GROUPED_SUCCESSIONS` pairs, shifts that forbid the same set of next shifts
    share one constraint per day: at most one of them today or one of the set tomorrow (one
    shift a day makes that exact). On 33 shift types this is a few constraints per day
    instead of hundreds of clauses.
    """
    pr = m.problem
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    groups: dict[frozenset[str], list[int]] = {}
    pairs = sum(len(sa.forbidden_next) for sa in pr.shifts)
    if pairs <= GROUPED_SUCCESSIONS:
        # Few pairs: one clause per pair, the form the benchmark's instances were tuned on.
        for p, staff in enumerate(pr.staff):
            for a, sa in enumerate(pr.shifts):
                for bid in sa.forbidden_next:
                    b = sidx[bid]
                    for d in range(pr.days - 1):
                        la, lb = m.shift_lit(p, d, a), m.shift_lit(p, d + 1, b)
                        if la is not None and lb is not None:
                            g = m.guard("forbidden_succession", staff.id)
                            m.cp.add_bool_or([~la, ~lb]).only_enforce_if(g)
        return
    for a, sa in enumerate(pr.shifts):
        if sa.forbidden_next:
            groups.setdefault(sa.forbidden_next, []).append(a)
    for p, staff in enumerate(pr.staff):
        for banned, firsts in groups.items():
            seconds = [sidx[b] for b in sorted(banned)]
            for d in range(pr.days - 1):
                today = [lit for a in firsts if (lit := m.shift_lit(p, d, a)) is not None]
                tomorrow = [lit for b in seconds if (lit := m.shift_lit(p, d + 1, b)) is not None]
                if not today or not tomorrow:
                    continue
                g = m.guard("forbidden_succession", staff.id)
                if len(today) == 1 and len(tomorrow) == 1:
                    m.cp.add_bool_or([~today[0], ~tomorrow[0]]).only_enforce_if(g)
                elif g:
                    m.cp.add(sum([*today, *tomorrow]) <= 1).only_enforce_if(g)
                else:
                    m.cp.add_at_most_one([*today, *tomorrow])


def add_rest(m: Model) -> None:
    """Minimum rest between shifts and rest after nights, from shift start and end times."""
    pr = m.problem
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    conflicts = rest_conflicts(pr)
    for p, staff in enumerate(pr.staff):
        for aid, k, bid, rule in conflicts:
            a, b = sidx[aid], sidx[bid]
            key = rule if rule != "overlap" else "min_rest"
            for d in range(pr.days - k):
                la, lb = m.shift_lit(p, d, a), m.shift_lit(p, d + k, b)
                if la is not None and lb is not None:
                    m.cp.add_bool_or([~la, ~lb]).only_enforce_if(m.guard(key, staff.id))


def add_carry_in(m: Model) -> None:
    """Forbidden successions, rest and days in a row hold across the start of the period.

    What each staff member worked just before day 0 (``RosterProblem.history``) is fixed:
    a shift too close after one worked then is ruled out, a run of working days that goes on
    into the period counts its days before day 0, and a run of work or of days off shorter
    than its minimum at the end of the tail goes on until it is long enough.
    """
    pr = m.problem
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    conflicts = rest_conflicts(pr)
    for p, staff in enumerate(pr.staff):
        tail = pr.history_of(staff.id)
        if not tail:
            continue
        g = m.guard("carry_in", staff.id)
        banned: set[tuple[int, int]] = set()
        last = tail[-1]
        if last is not None:
            banned.update((0, sidx[b]) for b in pr.shift(last).forbidden_next)
        for aid, k, bid, _rule in conflicts:
            for j in range(1, min(k, len(tail)) + 1):
                if tail[-j] == aid and k - j < pr.days:
                    banned.add((k - j, sidx[bid]))
        for d, s in sorted(banned):
            lit = m.shift_lit(p, d, s)
            if lit is not None:
                m.cp.add_bool_or([~lit]).only_enforce_if(g)
        k_max = staff.max_consecutive
        run = _trailing(tail, lambda sid: sid is not None)
        if k_max is not None and run:
            window = range(0, min(pr.days, max(1, k_max - run + 1)))
            m.cp.add_bool_or([m.off[p, d] for d in window]).only_enforce_if(g)
        _min_runs_across_start(m, p, tail, g)


def _min_runs_across_start(m: Model, p: int, tail: Sequence[str | None], g: list[Lit]) -> None:
    """Fewest days in a row and fewest days off in a row, across the start of the period.

    A run of work (or of days off) at the end of ``tail`` whose first day the tail shows and
    that is shorter than its minimum goes on into the period until it is long enough; a run
    the whole tail holds may be longer than the tail and is left alone. A run that starts on
    day 0 after a day of the other kind is a whole run, held to the minimum like any other
    (a run touching the last day is exempt, as inside the period).
    """
    pr = m.problem
    staff = pr.staff[p]
    for k, on in ((staff.min_consecutive, True), (staff.min_consecutive_off, False)):
        if not k or k <= 1:
            continue

        def same(d: int, on: bool = on) -> Lit:
            return m.work(p, d) if on else m.off[p, d]

        def other(d: int, on: bool = on) -> Lit:
            return m.off[p, d] if on else m.work(p, d)

        length = _trailing(tail, (lambda sid: sid is not None) if on else (lambda sid: sid is None))
        if length:
            if length < k and length < len(tail):
                for d in range(min(pr.days, k - length)):
                    m.cp.add_bool_or([same(d)]).only_enforce_if(g)
            continue
        for n in range(1, min(k, pr.days)):
            # Not: days 0 .. n - 1 of this kind and day n of the other.
            clause = [other(d) for d in range(n)] + [same(n)]
            m.cp.add_bool_or(clause).only_enforce_if(g)


def _trailing(tail: Sequence[str | None], pred: Callable[[str | None], bool]) -> int:
    """Length of the run at the end of ``tail`` for which ``pred`` holds."""
    n = 0
    for sid in reversed(tail):
        if not pred(sid):
            break
        n += 1
    return n


def add_max_shifts_of_type(m: Model) -> None:
    """At most ``n`` shifts of each limited type per staff member."""
    pr = m.problem
    for p, staff in enumerate(pr.staff):
        for s, shift in enumerate(pr.shifts):
            n = staff.max_of(shift.id)
            if n is None or n == 0:
                continue
            lits = [m.x[p, d, s] for d in range(pr.days) if (p, d, s) in m.x]
            if len(lits) > n:
                m.cp.add(cp_model.LinearExpr.sum(lits) <= n).only_enforce_if(
                    m.guard("max_shifts_of_type", staff.id)
                )


def _minutes(m: Model, p: int) -> cp_model.LinearExprT:
    pr = m.problem
    lits, coeffs = [], []
    for d in range(pr.days):
        for s, sh in enumerate(pr.shifts):
            lit = m.x.get((p, d, s))
            if lit is not None:
                lits.append(lit)
                coeffs.append(sh.minutes)
    return cp_model.LinearExpr.weighted_sum(lits, coeffs)


def add_total_minutes(m: Model) -> None:
    """Total working minutes stay between the staff member's minimum and maximum."""
    for p, staff in enumerate(m.problem.staff):
        if staff.max_minutes is None and not staff.min_minutes:
            continue
        minutes = _minutes(m, p)
        if staff.max_minutes is not None:
            m.cp.add(minutes <= staff.max_minutes).only_enforce_if(m.guard("max_minutes", staff.id))
        if staff.min_minutes:
            m.cp.add(minutes >= staff.min_minutes).only_enforce_if(m.guard("min_minutes", staff.id))


def add_max_consecutive(m: Model) -> None:
    """No more than ``max_consecutive`` working days in a row (outside the horizon is off)."""
    pr = m.problem
    for p, staff in enumerate(pr.staff):
        k = staff.max_consecutive
        if k is None or k >= pr.days:
            continue
        for d in range(pr.days - k):
            g = m.guard("max_consecutive", staff.id)
            m.cp.add_bool_or([m.off[p, d + i] for i in range(k + 1)]).only_enforce_if(g)


def add_min_consecutive(m: Model) -> None:
    """Work runs inside the horizon last at least ``min_consecutive`` days.

    Runs touching the first or last day are exempt (the benchmark's edge rule).
    """
    pr = m.problem
    for p, staff in enumerate(pr.staff):
        k = staff.min_consecutive
        if not k or k <= 1:
            continue
        for length in range(1, k):
            for d in range(1, pr.days - length):
                clause = [m.work(p, d - 1), m.work(p, d + length)]
                clause += [m.off[p, d + i] for i in range(length)]
                m.cp.add_bool_or(clause).only_enforce_if(m.guard("min_consecutive", staff.id))


def add_min_consecutive_off(m: Model) -> None:
    """Make runs of days off inside the horizon last ``min_consecutive_off`` days or more."""
    pr = m.problem
    for p, staff in enumerate(pr.staff):
        k = staff.min_consecutive_off
        if not k or k <= 1:
            continue
        for length in range(1, k):
            for d in range(1, pr.days - length):
                clause = [m.off[p, d - 1], m.off[p, d + length]]
                clause += [m.work(p, d + i) for i in range(length)]
                g = m.guard("min_consecutive_off", staff.id)
                m.cp.add_bool_or(clause).only_enforce_if(g)


def add_max_weekends(m: Model) -> None:
    """At most ``max_weekends`` weekends worked (Saturday or Sunday counts)."""
    pr = m.problem
    weekends = pr.weekends()
    for p, staff in enumerate(pr.staff):
        if staff.max_weekends is None or staff.max_weekends >= len(weekends):
            continue
        flags = []
        for w, days in enumerate(weekends):
            flag = m.cp.new_bool_var(f"weekend(p={p},w={w})")
            for d in days:
                m.cp.add_implication(m.work(p, d), flag)
            m.cp.add_bool_or([m.work(p, d) for d in days] + [~flag])
            flags.append(flag)
        m.cp.add(sum(flags) <= staff.max_weekends).only_enforce_if(
            m.guard("max_weekends", staff.id)
        )


def _night_lits(m: Model, p: int, d: int) -> list[Lit]:
    pr = m.problem
    return [m.x[p, d, s] for s, sh in enumerate(pr.shifts) if sh.is_night and (p, d, s) in m.x]


def add_max_nights_in_row(m: Model) -> None:
    """No more than ``max_nights_in_row`` night shifts on consecutive days (hard or soft)."""
    pr = m.problem
    k, weight = pr.rules.max_nights_in_row, pr.rules.max_nights_weight
    if k is None:
        return
    for p, staff in enumerate(pr.staff):
        # Nights worked just before day 0 count: windows may start before the period.
        before = _trailing(pr.history_of(staff.id), lambda sid: _is_night(pr, sid))
        for d in range(-min(before, k), pr.days - k):
            known = -d if d < 0 else 0
            lits = [lit for i in range(known, k + 1) for lit in _night_lits(m, p, d + i)]
            room = k - known
            if len(lits) <= room:
                continue
            if weight is None:
                m.cp.add(sum(lits) <= room).only_enforce_if(m.guard("max_nights_in_row", staff.id))
            else:
                excess = m.cp.new_bool_var(f"nights_in_row(p={p},d={d})")
                m.cp.add(sum(lits) <= room + excess)
                m.penalise(weight, excess)


def _is_night(pr: RosterProblem, sid: str | None) -> bool:
    return sid is not None and pr.shift(sid).is_night


def _pattern_lit(m: Model, p: int, d: int, sid: str | None) -> Lit | None:
    pr = m.problem
    if sid is None:
        return m.off[p, d]
    s = next(i for i, sh in enumerate(pr.shifts) if sh.id == sid)
    return m.shift_lit(p, d, s)


def add_pattern(m: Model) -> None:
    """Each staff member follows the cyclic rotation from some offset (hard or soft)."""
    pr = m.problem
    pat = pr.rules.pattern
    if pat is None:
        return
    length = len(pat.cycle)
    fixed = dict(pat.offsets)
    for p, staff in enumerate(pr.staff):
        offsets = [fixed[staff.id] % length] if staff.id in fixed else list(range(length))
        ys = {o: m.cp.new_bool_var(f"offset(p={p},o={o})") for o in offsets}
        m.cp.add_exactly_one(list(ys.values()))
        for d in range(pr.days):
            g = m.guard("pattern", staff.id) if pat.weight is None else []
            dev = None if pat.weight is None else m.cp.new_bool_var(f"pattern(p={p},d={d})")
            for o, y in ys.items():
                match = _pattern_lit(m, p, d, pat.cycle[(d + o) % length])
                clause = [~y] + ([match] if match is not None else [])
                if dev is None:
                    m.cp.add_bool_or(clause).only_enforce_if(g)
                else:
                    m.cp.add_bool_or([*clause, dev])
            if dev is not None and pat.weight is not None:
                m.penalise(pat.weight, dev)


def add_min_crew(m: Model) -> None:
    """Give a group on shift ``min_members`` present; reserves or neighbours may fill in."""
    pr = m.problem
    crew = pr.rules.crew
    if crew is None:
        return
    pidx = {s.id: i for i, s in enumerate(pr.staff)}
    owner = {mem: g for g, mems in crew.members for mem in mems}
    by_member_day: dict[tuple[str, int], list[Lit]] = {}
    for g, _ in crew.members:
        p = pidx[g]
        for d in range(pr.days):
            short = crew.min_members - crew.present(g, d)
            if short <= 0:
                continue
            candidates = [r for r in crew.reserves if (r, d) not in crew.leave]
            for h in crew.neighbours_of(g):
                if h == g or h not in pidx:
                    continue
                candidates += [mem for mem in crew.members_of(h) if (mem, d) not in crew.leave]
            lits = []
            for mem in candidates:
                lit = m.cp.new_bool_var(f"lend(m={mem},g={g},d={d})")
                m.cp.add_implication(lit, m.work(p, d))
                home = owner.get(mem)
                if home is not None:
                    m.cp.add_implication(lit, m.off[pidx[home], d])
                m.lend[mem, g, d] = lit
                by_member_day.setdefault((mem, d), []).append(lit)
                m.penalise(crew.lend_weight, lit)
                lits.append(lit)
            guard = m.guard("min_crew", g)
            if lits:
                m.cp.add(sum(lits) >= short).only_enforce_if([m.work(p, d), *guard])
            else:
                m.cp.add_bool_or([m.off[p, d]]).only_enforce_if(guard)
    for lits in by_member_day.values():
        if len(lits) > 1:
            m.cp.add_at_most_one(lits)
    _add_member_rest(m, owner, pidx)


def _add_member_rest(m: Model, owner: dict[str, str], pidx: dict[str, int]) -> None:
    """Keep rest rules for a lent member across own-group shifts and other loans."""
    pr = m.problem
    crew = pr.rules.crew
    assert crew is not None
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    conflicts = [(sidx[a], k, sidx[b]) for a, k, b, _ in rest_conflicts(pr)]
    loans: dict[str, list[tuple[str, int, Lit]]] = {}
    for (mem, g, d), lit in m.lend.items():
        loans.setdefault(mem, []).append((g, d, lit))
    # Across the start of the period: what a member worked just before day 0 (its group's
    # shifts, its loans) rules out a loan too soon after, and a loan then rules out its own
    # group's shift too soon after (as :func:`add_carry_in` does for a group's own shifts).
    for mem in sorted(set(loans) | {mem for mem, _ in crew.lent_before}):
        home = owner.get(mem)
        tail = crew.lent_before_of(mem)
        for d0, sid in _carried(pr, crew, owner, mem):
            lent_then = len(tail) + d0 >= 0 and tail[len(tail) + d0] == sid
            for a, k, b in conflicts:
                d = d0 + k
                if a != sidx[sid] or not 0 <= d < pr.days or (mem, d) in crew.leave:
                    continue
                for g, d2, lit in loans.get(mem, []):
                    lb = m.x.get((pidx[g], d2, b))
                    if d2 == d and lb is not None:
                        m.cp.add_bool_or([~lit, ~lb])
                hb = m.x.get((pidx[home], d, b)) if home is not None else None
                if lent_then and hb is not None:
                    m.cp.add_bool_or([~hb])
    for mem, items in loans.items():
        home = owner.get(mem)
        for g, d, lit in items:
            gp = pidx[g]
            for a, k, b in conflicts:
                if home is not None:
                    hp = pidx[home]
                    after = (gp, d, a), (hp, d + k, b)
                    before = (hp, d - k, a), (gp, d, b)
                    for day, (first, second) in ((d + k, after), (d - k, before)):
                        if not 0 <= day < pr.days or (mem, day) in crew.leave:
                            continue
                        la, lb = m.x.get(first), m.x.get(second)
                        if la is not None and lb is not None:
                            m.cp.add_bool_or([~lit, ~la, ~lb])
                for g2, d2, lit2 in items:
                    if d2 != d + k:
                        continue
                    la, lb = m.x.get((gp, d, a)), m.x.get((pidx[g2], d2, b))
                    if la is not None and lb is not None:
                        m.cp.add_bool_or([~lit, ~la, ~lit2, ~lb])


def _carried(
    pr: RosterProblem, crew: Crew, owner: dict[str, str], member: str
) -> list[tuple[int, str]]:
    """Return ``(day < 0, shift id)`` a member worked just before day 0: its group's, its loans."""
    out = []
    home = owner.get(member)
    for tail in (pr.history_of(home) if home is not None else (), crew.lent_before_of(member)):
        out += [(j - len(tail), sid) for j, sid in enumerate(tail) if sid is not None]
    return sorted(out)


def add_cover(m: Model) -> None:
    """Staff per shift and day: hard sides as constraints, soft sides as weighted shortfall."""
    pr = m.problem
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    relax = m.relaxed is not None and ("cover", "") in m.relaxed
    for c in pr.cover:
        if relax:
            c = dataclasses.replace(
                c,
                under_weight=m.relax_weight if c.under_weight is None else c.under_weight,
                over_weight=m.relax_weight if c.over_weight is None else c.over_weight,
            )
        s = sidx[c.shift]
        lits = [m.x[p, c.day, s] for p in range(len(pr.staff)) if (p, c.day, s) in m.x]
        n = cp_model.LinearExpr.sum(lits)
        top = len(lits)
        if c.under_weight is None:
            m.cp.add(n >= c.requirement).only_enforce_if(m.guard("cover"))
        elif c.requirement > 0:
            under = m.cp.new_int_var(0, c.requirement, f"under(d={c.day},s={s})")
            # under = max(0, req - n), searched better than an equality with two slacks.
            m.cp.add_max_equality(under, [0, c.requirement - n])
            m.penalise(c.under_weight, under)
        if c.over_weight is None:
            m.cp.add(n <= c.requirement).only_enforce_if(m.guard("cover"))
        elif top > c.requirement and c.over_weight:
            over = m.cp.new_int_var(0, top - c.requirement, f"over(d={c.day},s={s})")
            m.cp.add_max_equality(over, [0, n - c.requirement])
            m.penalise(c.over_weight, over)


def add_requests(m: Model) -> None:
    """Shift-on requests cost their weight when not granted, shift-off requests when not."""
    pr = m.problem
    pidx = {s.id: i for i, s in enumerate(pr.staff)}
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    for r in pr.requests:
        lit = m.shift_lit(pidx[r.staff], r.day, sidx[r.shift])
        if r.on:
            m.penalise(r.weight, 1 if lit is None else 1 - lit)
        elif lit is not None:
            m.penalise(r.weight, lit)


def add_keep(m: Model) -> None:
    """Each cell of the roster in force that changes costs its weight (stable re-solves)."""
    pr = m.problem
    pidx = {s.id: i for i, s in enumerate(pr.staff)}
    sidx = {s.id: i for i, s in enumerate(pr.shifts)}
    for k in pr.keep:
        p = pidx[k.staff]
        if k.shift is None:
            m.penalise(k.weight, 1 - m.off[p, k.day])
        else:
            lit = m.shift_lit(p, k.day, sidx[k.shift])
            m.penalise(k.weight, 1 if lit is None else 1 - lit)


def _fair(
    m: Model, name: str, weight: int, counts: Sequence[cp_model.LinearExprT], top: int
) -> None:
    if weight <= 0 or len(counts) < 2:
        return
    hi = m.cp.new_int_var(0, top, f"{name}_max")
    lo = m.cp.new_int_var(0, top, f"{name}_min")
    m.cp.add_max_equality(hi, counts)
    m.cp.add_min_equality(lo, counts)
    m.penalise(weight, hi - lo)


def add_fairness(m: Model) -> None:
    """Fair shares: minimise the spread of nights and weekend days worked."""
    pr = m.problem
    rules = pr.rules
    n = len(pr.staff)
    nights = [sum(lit for d in range(pr.days) for lit in _night_lits(m, p, d)) for p in range(n)]
    _fair(m, "fair_nights", rules.fair_nights_weight, nights, pr.days)
    wdays = [d for d in range(pr.days) if pr.is_weekend(d)]
    weekends = [sum(m.work(p, d) for d in wdays) for p in range(n)]
    _fair(m, "fair_weekends", rules.fair_weekends_weight, weekends, pr.days)


RULES: list[Callable[[Model], None]] = [
    # hard rules
    add_days_off,
    add_pins,
    add_forbidden_successions,
    add_rest,
    add_carry_in,
    add_max_shifts_of_type,
    add_total_minutes,
    add_max_consecutive,
    add_min_consecutive,
    add_min_consecutive_off,
    add_max_weekends,
    add_max_nights_in_row,
    add_pattern,
    add_min_crew,
    # soft rules (cover may have hard sides)
    add_cover,
    add_requests,
    add_keep,
    add_fairness,
]


def build_model(
    problem: RosterProblem,
    *,
    guarded: bool = False,
    relaxed: frozenset[tuple[str, str]] | None = None,
    relax_weight: int = 0,
) -> Model:
    """Build the CP-SAT model of ``problem``: every rule of :data:`RULES`, then each rule module's.

    Parameters
    ----------
    problem
        The roster problem.
    guarded
        Give each hard rule (per staff member) an enforcement literal in ``Model.guards``.
    relaxed
        Hard rule keys ``(rule, staff id)`` that become soft: only these get guards, and
        each broken one costs ``relax_weight``.
    relax_weight
        Penalty for breaking one relaxed hard rule.
    """
    m = Model(
        problem=problem,
        cp=cp_model.CpModel(),
        guarded=guarded or relaxed is not None,
        relaxed=relaxed,
        relax_weight=relax_weight,
    )
    create_variables(m)
    for rule in RULES:
        rule(m)
    for own in rulebook.rules():
        param = problem.rules.param(own.name)
        if param is not None:
            own.add(m, param)
    m.cp.minimize(
        cp_model.LinearExpr.weighted_sum([e for _, e in m.terms], [w for w, _ in m.terms])
    )
    return m
