"""Shift swaps: members ask, the roster rules are checked, captains approve or refuse."""
