"""Generate Curtois & Qu look-alike instances of the benchmark's six largest sizes.

Usage: ``python -m bench.rostering_generate --out DIR [--seed 0]`` writes ``Large1.txt`` ..
``Large6.txt`` (about 40 staff x 84 days x 6 shift types up to 150 x 364 x 33, the sizes the
shared benchmark README gives for Instances 19-24, which are kept apart). The sections and their
proportions follow Instances 13-18: each staff member may work about half of the shift types,
total minutes in a tight window, at most 5 days in a row, runs of at least 2 days on and
2 days off, about half the weekends, two fixed days off in four weeks, a few weighted
requests, and cover near the staff's capacity with weight 100 per missing and 1 per extra
person. The instances are random look-alikes, not the published ones: nothing is known of
their optimum.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

#: (staff, days, shift types) of the benchmark's Instances 19-24.
SIZES = ((40, 84, 6), (50, 182, 7), (100, 182, 9), (50, 364, 11), (100, 364, 17), (150, 364, 33))


def staff_id(i: int) -> str:
    """Staff ids A..Z, then AA, AB, ... as in the benchmark."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def generate(staff: int, days: int, kinds: int, seed: int = 0) -> str:
    """Return the text of one look-alike instance.

    Parameters
    ----------
    staff, days, kinds
        Number of staff, days (a multiple of 7) and shift types.
    seed
        Random seed; the same arguments give the same text.
    """
    rng = random.Random(seed * 1_000_003 + staff * 1009 + days * 31 + kinds)
    # Shift types in start order (early, day, late, night); a later one forbids earlier ones
    # on the next day, as in the benchmark.
    ranks = sorted(rng.randrange(4) for _ in range(kinds))
    ranks[0], ranks[-1] = 0, max(ranks[-1], 3 if kinds > 3 else ranks[-1])
    shifts = []
    for i, rank in enumerate(ranks):
        minutes = rng.choice((480, 480, 480, 600, 720))
        shifts.append((f"S{i}", minutes, rank))
    lines = [
        "# Generated look-alike of a Curtois & Qu instance (bench.rostering_generate).",
        "SECTION_HORIZON",
        str(days),
        "",
        "SECTION_SHIFTS",
    ]
    for sid, minutes, rank in shifts:
        banned = [s for s, _, r in shifts if r < rank]
        lines.append(f"{sid},{minutes},{'|'.join(banned)}")
    lines += ["", "SECTION_STAFF"]
    weeks = days // 7
    ids = [staff_id(i) for i in range(staff)]
    allowed: dict[str, list[str]] = {}
    for pid in ids:
        share = max(1, round(kinds * rng.uniform(0.35, 0.7)))
        mine = rng.sample([s for s, _, _ in shifts], share)
        allowed[pid] = mine
        maxes = "|".join(
            f"{sid}={(days if sid in mine and minutes == 480 else days // 4) if sid in mine else 0}"
            for sid, minutes, _ in shifts
        )
        top = round(days * 0.64 * 480 / 60) * 60
        low = round(top * 0.92 / 60) * 60
        lines.append(f"{pid},{maxes},{top},{low},5,2,2,{max(1, weeks // 2)}")
    lines += ["", "SECTION_DAYS_OFF"]
    for pid in ids:
        off = []
        for block in range(0, days, 28):
            d = block + rng.randrange(min(27, days - block - 1))
            off += [d, d + 1]
        lines.append(",".join([pid, *(str(d) for d in off if d < days)]))
    lines += ["", "SECTION_SHIFT_ON_REQUESTS"]
    for pid in ids:
        for _ in range(5 * days // 28):
            lines.append(
                f"{pid},{rng.randrange(days)},{rng.choice(allowed[pid])},{rng.randint(1, 3)}"
            )
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS"]
    for pid in ids:
        for _ in range(2 * days // 28):
            lines.append(
                f"{pid},{rng.randrange(days)},{rng.choice(allowed[pid])},{rng.randint(1, 3)}"
            )
    lines += ["", "SECTION_COVER"]
    # About 0.6 shifts per staff member per day, shared over the shift types.
    per_day = 0.6 * staff
    weights = [rng.uniform(0.5, 1.5) for _ in shifts]
    total = sum(weights)
    for d in range(days):
        weekend = d % 7 >= 5
        for (sid, _, _), w in zip(shifts, weights, strict=True):
            mean = per_day * w / total * (0.8 if weekend else 1.0)
            need = max(0, round(rng.gauss(mean, max(0.5, mean * 0.2))))
            lines.append(f"{d},{sid},{need},100,1")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, (staff, days, kinds) in enumerate(SIZES, 1):
        path = args.out / f"Large{i}.txt"
        path.write_text(generate(staff, days, kinds, args.seed), encoding="utf-8")
        print(f"{path}: {staff} staff x {days} days x {kinds} shift types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
