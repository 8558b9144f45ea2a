"""Geographic data of a district: bundles, OSM import, street graphs and travel times."""

from __future__ import annotations

from geodata.bundle import (
    DEFAULT_DISTRICT_DIR,
    District,
    load_district,
    validate_district,
    write_district,
)
from geodata.errors import BundleError, InputError, OsmImportError
from geodata.network import StreetNetwork, travel_time_matrix
from geodata.settings import MODES, SPEEDS_MPS

__all__ = [
    "DEFAULT_DISTRICT_DIR",
    "MODES",
    "SPEEDS_MPS",
    "BundleError",
    "District",
    "InputError",
    "OsmImportError",
    "StreetNetwork",
    "load_district",
    "travel_time_matrix",
    "validate_district",
    "write_district",
]
