"""Many districts in one service: districts added, roles per district, scoping, the overview."""
