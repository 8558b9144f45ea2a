"""Page weight of the district map with and without the hotspot heat layer."""

from __future__ import annotations

import argparse
import gzip
import time
from pathlib import Path


def measure(district: Path | None, lang: str) -> dict[str, float]:
    """Return the map page's size in bytes (raw and gzip) without and with the hotspot layer.

    The page is rendered as the web app serves it (scripts from the app's own URLs).
    """
    from geodata.bundle import load_district
    from planner.hotspots.risk import district_risk
    from web.assets import local_html
    from web.maps import add_layers, district_map, hotspot_layer

    loaded = load_district(district)

    def render(with_heat: bool) -> bytes:
        m = district_map(loaded, lang=lang)
        if with_heat:
            add_layers(m, hotspot_layer(loaded, district_risk(loaded), lang=lang))
        return local_html(m, "/static/vendor").encode("utf-8")

    before = render(False)
    started = time.perf_counter()
    after = render(True)
    seconds = time.perf_counter() - started
    return {
        "before": len(before),
        "after": len(after),
        "before_gzip": len(gzip.compress(before)),
        "after_gzip": len(gzip.compress(after)),
        "seconds": seconds,
    }


def main() -> None:
    """Print the figures for each language: ``python -m bench.map_weight [--district D]``."""
    from bench.machine import cpu_model

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--district", type=Path, default=None, help="bundle folder")
    args = parser.parse_args()
    print(f"machine: {cpu_model()}")
    for lang in ("zh", "en"):
        r = measure(args.district, lang)
        grow = (r["after"] - r["before"]) / r["before"]
        print(
            f"{lang}: {r['before']:,} -> {r['after']:,} bytes (+{grow:.1%}); gzip "
            f"{r['before_gzip']:,} -> {r['after_gzip']:,}; map with heat built in "
            f"{r['seconds']:.2f} s"
        )


if __name__ == "__main__":
    main()
