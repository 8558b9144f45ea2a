"""Errors raised for bad input, each carrying one plain sentence for the user."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user: a file, a field, a row or an id that cannot be used.

    The message is one plain sentence that says what is wrong and where (file, layer, line,
    field or id). Entry points (CLI, web forms, API) show it as it is, never a traceback.
    Every package raises subclasses of this class for input it refuses.
    """


class BundleError(InputError):
    """A district bundle that is missing, incomplete or inconsistent."""


class OsmImportError(InputError):
    """An OpenStreetMap file that cannot be turned into a district."""
