"""Page weight of the district map as the web app serves it, in each language.

Usage::

    python -m bench.map_weight

Starts ``patrol run`` on a free loopback port with a fresh instance folder and the default
district, logs a captain in and fetches the district map page (``/map/frame``, the map with the
hotspot heat layer and its hour-of-week selector) in Chinese and in English. Prints the page's
size raw and gzip-compressed and the time of the first (uncached) and a second (cached) request.
Only 127.0.0.1 is contacted and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import gzip
import time
from typing import TYPE_CHECKING

from bench.machine import cpu_model
from bench.web_load import logged_in, serving

if TYPE_CHECKING:
    import urllib.request


def fetch(opener: urllib.request.OpenerDirector, url: str) -> tuple[bytes, float]:
    """Return a page's body and the seconds its request took."""
    started = time.perf_counter()
    body = opener.open(url, timeout=300).read()
    return body, time.perf_counter() - started


def measure() -> dict[str, dict[str, float]]:
    """Return, per language, the map page's bytes (raw, gzip) and first and cached seconds."""
    figures: dict[str, dict[str, float]] = {}
    with serving() as base:
        opener = logged_in(base)
        for lang in ("zh", "en"):
            body, first = fetch(opener, f"{base}/map/frame?lang={lang}")
            _, cached = fetch(opener, f"{base}/map/frame?lang={lang}")
            figures[lang] = {
                "bytes": len(body),
                "gzip": len(gzip.compress(body)),
                "first": first,
                "cached": cached,
            }
    return figures


def main(argv: list[str] | None = None) -> None:
    """Print the figures for each language."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    print(f"machine: {cpu_model()}")
    for lang, r in measure().items():
        print(
            f"{lang}: {r['bytes']:,} bytes, gzip {r['gzip']:,}; first request "
            f"{r['first']:.2f} s, cached {r['cached']:.3f} s"
        )


if __name__ == "__main__":
    main()
