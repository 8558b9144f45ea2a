"""Which layers of the district map each visitor sees: the sensitive ones need a login and role.

Anonymous visitors see the boundary and the streets only (the ``PUBLIC_MAP_LAYERS`` setting
may add grids and key areas, never more). Cameras and their view cones, patrol posts and
the hotspot heat (drawn from the incident records) are sensitive: they need a signed-in
role of :data:`ROLE_LAYERS`.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from flask import Flask

    from web.db import User

LAYERS = ("boundary", "streets", "grids", "key_areas", "posts", "cameras", "heat")
"""The district map's layers, in the order they are named in settings."""

PUBLIC_LAYERS = frozenset({"boundary", "streets"})
"""What an anonymous visitor sees by default."""

PUBLIC_ALLOWED = frozenset({"boundary", "streets", "grids", "key_areas"})
"""What ``PUBLIC_MAP_LAYERS`` may show an anonymous visitor at most."""

ROLE_LAYERS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"boundary", "streets", "grids", "key_areas"}),
    "member": frozenset({"boundary", "streets", "grids", "key_areas", "posts", "cameras"}),
    "planner": frozenset(LAYERS),
    "captain": frozenset(LAYERS),
    "admin": frozenset(LAYERS),
}
"""The layers each signed-in role sees."""


class LayerSettingError(ValueError):
    """A ``PUBLIC_MAP_LAYERS`` setting that names an unknown or a sensitive layer."""


def public_layers(setting: str | Iterable[str] | None) -> frozenset[str]:
    """Return the layers anonymous visitors see under the ``PUBLIC_MAP_LAYERS`` setting.

    Parameters
    ----------
    setting
        Comma-separated layer names (or a list of them); None or "" for the default
        (:data:`PUBLIC_LAYERS`); ``"none"`` for no map at all without a login.

    Raises
    ------
    LayerSettingError
        When a name is not a layer or is sensitive (not in :data:`PUBLIC_ALLOWED`).
    """
    if setting is None or setting == "":
        return PUBLIC_LAYERS
    names = setting.split(",") if isinstance(setting, str) else list(setting)
    chosen = {name.strip() for name in names if name.strip()}
    if chosen == {"none"}:
        return frozenset()
    unknown = sorted(chosen - set(LAYERS))
    if unknown:
        msg = f"PUBLIC_MAP_LAYERS names {', '.join(unknown)}, which is not a map layer."
        raise LayerSettingError(msg)
    sensitive = [name for name in LAYERS if name in chosen - PUBLIC_ALLOWED]
    if sensitive:
        msg = (
            f"PUBLIC_MAP_LAYERS may not show {', '.join(sensitive)} to anonymous visitors "
            f"(at most {', '.join(n for n in LAYERS if n in PUBLIC_ALLOWED)})."
        )
        raise LayerSettingError(msg)
    return frozenset(chosen)


def public_setting(app: Flask, *, check: bool = False) -> str | None:
    """Return the ``PUBLIC_MAP_LAYERS`` setting of ``app`` (else ``PATROL_PUBLIC_MAP_LAYERS``).

    With ``check``, a bad setting raises :class:`LayerSettingError` (see :func:`public_layers`).
    """
    value = app.config.get("PUBLIC_MAP_LAYERS")
    if value is None:
        value = os.environ.get("PATROL_PUBLIC_MAP_LAYERS")
    if check:
        public_layers(value)
    return value


def visible_layers(user: User | None, setting: str | Iterable[str] | None = None) -> frozenset[str]:
    """Return the layers ``user`` sees (None: an anonymous visitor, see :func:`public_layers`)."""
    if user is None:
        return public_layers(setting)
    from web.districts.registry import role_here

    return ROLE_LAYERS.get(role_here(user) or "", PUBLIC_LAYERS)


def layered_district(district: Any, layers: frozenset[str]) -> Any:
    """Return a view of ``district`` whose hidden layers are missing, for ``district_map``.

    The boundary and streets keep the map's extent even when hidden; so do the manifest
    (name, attribution) and the work CRS.
    """
    view = SimpleNamespace(manifest=getattr(district, "manifest", {}) or {})
    for name in ("boundary", "streets", "grids", "key_areas", "posts", "cameras"):
        setattr(view, name, getattr(district, name, None) if name in layers else None)
    return view
