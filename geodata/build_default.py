"""Rebuild the default district, Xinjiekou (Nanjing), from its OSM file with its sample data."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from datetime import date
from pathlib import Path

from geodata.bundle import DEFAULT_DISTRICT_DIR, write_district
from geodata.osm_import import ATTRIBUTION, import_osm
from geodata.sample_data import DEFAULT_SEED, add_sample_data

logger = logging.getLogger("geodata")

SOURCE_NAME = "nanjing_xinjiekou.osm"
SOURCE_DIR = DEFAULT_DISTRICT_DIR / "source"
SHARED_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / SOURCE_NAME
INCIDENTS_END = date(2026, 10, 31)
"""Last day of the sample incident history (fixed, so rebuilds are identical)."""

SOURCE_README = """\
# Source of the default district

`nanjing_xinjiekou.osm` is an OpenStreetMap extract of Xinjiekou, Nanjing, taken with the
Overpass API on 2021-06-12 (about 5.5 km²).

© OpenStreetMap contributors. The data is available under the Open Database License
(ODbL 1.0, https://opendatacommons.org/licenses/odbl/1-0/); see
https://www.openstreetmap.org/copyright. The bundle in the folder above is derived from it
and carries the same attribution.

Rebuild the bundle with `python -m geodata.build_default`.
"""


def build_default(
    out: Path = DEFAULT_DISTRICT_DIR, *, seed: int = DEFAULT_SEED, end: date = INCIDENTS_END
) -> Path:
    """Build the default district bundle in ``out`` from the OSM copy kept beside it.

    The copy under ``source/`` is made from ``../shared/data/osm`` when it is missing, so a
    fresh clone rebuilds without the shared folder.
    """
    source = SOURCE_DIR / SOURCE_NAME
    if not source.is_file():
        SOURCE_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_SOURCE, source)
    readme = SOURCE_DIR / "README.md"
    if not readme.is_file():
        readme.write_text(SOURCE_README, encoding="utf-8")
    district = import_osm(
        source, name="Xinjiekou", name_zh="新街口", progress=lambda m: logger.info("%s", m)
    )
    district.manifest["source"] = {
        "file": f"source/{SOURCE_NAME}",
        "date": "2021-06-12",
        "origin": "OpenStreetMap via the Overpass API",
    }
    district.manifest["attribution"] = ATTRIBUTION
    district = add_sample_data(district, seed=seed, end=end)
    return write_district(district, out, force=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_DISTRICT_DIR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)
    path = build_default(args.out, seed=args.seed)
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
