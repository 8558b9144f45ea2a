"""Independent checks: every rule recomputed from a plan and the raw inputs alone."""
