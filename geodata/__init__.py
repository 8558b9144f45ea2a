"""Geographic data of a district: bundles, OSM import, street graphs and travel times."""

from __future__ import annotations

from geodata.errors import InputError
from geodata.network import StreetNetwork, travel_time_matrix
from geodata.settings import MODES, SPEEDS_MPS

__all__ = ["MODES", "SPEEDS_MPS", "InputError", "StreetNetwork", "travel_time_matrix"]
