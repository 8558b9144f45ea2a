"""Planning domain and optimisation core: rosters, routes, risk, dose, coverage, validation."""

from __future__ import annotations
