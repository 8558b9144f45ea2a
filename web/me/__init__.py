"""A member's day (``/me``): the shifts, units and checkpoints of one member."""
