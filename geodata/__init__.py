"""Geographic data of a district: bundles, OSM import, street graphs and travel times."""

from __future__ import annotations

from geodata.errors import InputError

__all__ = ["InputError"]
