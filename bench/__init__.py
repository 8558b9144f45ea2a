"""Reproducible benchmarks of the roster and routing cores and the geodata layer."""
