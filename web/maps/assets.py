"""Offline copies of the JavaScript and CSS that Folium maps need, inlined or served by Flask."""

from __future__ import annotations

import base64
import importlib
import mimetypes
import re
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint, abort, send_from_directory

if TYPE_CHECKING:
    import folium

ASSET_SCHEME = "patrol-asset:"
"""URL scheme of the placeholders that :func:`use_inline_assets` puts in a map's header."""


class AssetsMissingError(RuntimeError):
    """A JavaScript or CSS library that the maps need is not installed."""


@dataclass(frozen=True)
class Library:
    """A front-end library installed from PyPI as an XStatic package.

    Attributes
    ----------
    name
        Short name, also the folder under the static URL prefix (``leaflet``).
    module
        Python module of the XStatic package; its ``BASE_DIR`` holds the files.
    dist
        The PyPI distribution that brings it (named in error messages).
    js
        Scripts to load, relative to ``BASE_DIR``, in order.
    css
        Stylesheets to load, relative to ``BASE_DIR``, in order.
    """

    name: str
    module: str
    dist: str
    js: tuple[str, ...] = ()
    css: tuple[str, ...] = ()


LIBRARIES: tuple[Library, ...] = (
    Library("leaflet", "xstatic.pkg.leaflet", "xstatic-leaflet", ("leaflet.js",), ("leaflet.css",)),
    # Folium's popups build their content with jQuery ($(`...`)[0]).
    Library("jquery", "xstatic.pkg.jquery", "xstatic-jquery", ("jquery.min.js",)),
)
"""What every map loads, in order. The maps use plain Leaflet layers and CSS-drawn markers, so
they need neither Bootstrap, Font Awesome nor the awesome-markers plugin that Folium loads by
default."""

VENDORED_DIR = Path(__file__).parents[1] / "static" / "vendor"
"""Libraries kept in the repository (not on PyPI), one folder each, served like the others."""

PLUGIN_ASSETS: dict[str, str] = {
    # folium.plugins.Draw (Leaflet.draw 1.0.4, MIT): the key-area editor.
    "leaflet_draw_js": "leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": "leaflet-draw/leaflet.draw.css",
}
"""Folium plugins' asset names -> files under :data:`VENDORED_DIR` that replace their CDN URLs."""


@cache
def library_dir(name: str) -> Path:
    """Return the folder that holds the files of one library.

    Parameters
    ----------
    name
        A name from :data:`LIBRARIES`, e.g. ``"leaflet"``.

    Returns
    -------
    Path
        The installed XStatic package's data folder.

    Raises
    ------
    AssetsMissingError
        When the library's package is not installed.
    KeyError
        When ``name`` is not a known library.
    """
    lib = {lib.name: lib for lib in LIBRARIES}[name]
    try:
        module = importlib.import_module(lib.module)
    except ImportError as exc:
        raise AssetsMissingError(
            f"The map library {lib.name} is not installed; run `pip install {lib.dist}` "
            "(or reinstall the project with `pip install -e .`)."
        ) from exc
    return Path(module.BASE_DIR)


def _read(name: str, relative: str) -> str:
    return (library_dir(name) / relative).read_text(encoding="utf-8")


def _inline_css_urls(css: str, base: Path) -> str:
    """Replace ``url(relative/file.png)`` in a stylesheet with ``data:`` URIs of the files."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(1).strip("'\"")
        path = base / target
        if target.startswith(("data:", "#", "http:", "https:")) or not path.is_file():
            return match.group(0)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:{mime};base64,{data})"

    return re.sub(r"url\(([^)]+)\)", replace, css)


def _placeholder(lib: Library, relative: str) -> str:
    return f"{ASSET_SCHEME}{lib.name}/{relative}"


def folium_defaults(prefix: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the ``default_js`` and ``default_css`` lists of a map served from local URLs.

    Parameters
    ----------
    prefix
        URL prefix under which :func:`assets_blueprint` serves the files, e.g.
        ``"/static/vendor"`` (no trailing slash needed).

    Returns
    -------
    tuple of list
        ``(default_js, default_css)`` as Folium expects them: ``(name, url)`` pairs.
    """
    prefix = prefix.rstrip("/")
    js = [
        (f"{lib.name}_{i}", f"{prefix}/{lib.name}/{f}")
        for lib in LIBRARIES
        for i, f in enumerate(lib.js)
    ]
    css = [
        (f"{lib.name}_css_{i}", f"{prefix}/{lib.name}/{f}")
        for lib in LIBRARIES
        for i, f in enumerate(lib.css)
    ]
    return js, css


_CONTROLS: weakref.WeakKeyDictionary[folium.Map, bool] = weakref.WeakKeyDictionary()
"""Maps that get a layer control when they are rendered -> whether it starts collapsed."""


def layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.Map:
    """Give a map a layer control, added when the map is rendered, after every layer.

    Folium writes each child's script in the order the children were added, and a layer
    control must come after every layer it lists; asking for it here lets callers add layers
    until the page is rendered by :func:`local_html` or :func:`standalone_html`.

    Parameters
    ----------
    m
        The map.
    collapsed
        Whether the control starts folded into its button.

    Returns
    -------
    folium.Map
        The same map, for chaining.
    """
    _CONTROLS[m] = collapsed
    return m


def _render(m: folium.Map) -> str:
    """Render a map's page, adding the layer control asked for by :func:`layer_control`."""
    collapsed = _CONTROLS.pop(m, None)
    if collapsed is not None:
        import folium

        folium.LayerControl(collapsed=collapsed).add_to(m)
    return m.get_root().render()  # type: ignore[no-any-return]


@cache
def _plugin_urls() -> dict[str, str]:
    """Return the CDN URLs of the plugins in :data:`PLUGIN_ASSETS` -> their vendored files."""
    from folium.plugins import Draw

    pairs = [*Draw.default_js, *Draw.default_css]
    return {url: PLUGIN_ASSETS[name] for name, url in pairs if name in PLUGIN_ASSETS}


def local_html(m: folium.Map, prefix: str) -> str:
    """Render a map as a page that loads its scripts and stylesheets from ``prefix`` only.

    Parameters
    ----------
    m
        The map; its ``default_js``/``default_css`` are switched to the local URLs.
    prefix
        URL prefix where :func:`assets_blueprint` is mounted, e.g. ``"/static/vendor"``.

    Returns
    -------
    str
        The complete HTML document; plugins' CDN URLs (e.g. Leaflet.draw's) are replaced by
        the vendored copies.
    """
    m.default_js, m.default_css = folium_defaults(prefix)
    prefix = prefix.rstrip("/")
    html = _render(m)
    for url, relative in _plugin_urls().items():
        html = html.replace(f'"{url}"', f'"{prefix}/{relative}"')
    return html


def use_inline_assets(m: folium.Map) -> folium.Map:
    """Make a map refer to placeholders that :func:`standalone_html` replaces by inline copies."""
    m.default_js = [
        (f"{lib.name}_{i}", _placeholder(lib, f)) for lib in LIBRARIES for i, f in enumerate(lib.js)
    ]
    m.default_css = [
        (f"{lib.name}_css_{i}", _placeholder(lib, f))
        for lib in LIBRARIES
        for i, f in enumerate(lib.css)
    ]
    return m


_SCRIPT_RE = re.compile(
    r"<script\s+src=\"" + re.escape(ASSET_SCHEME) + r"([\w-]+)/([^\"]+)\"\s*>\s*</script>"
)
_LINK_RE = re.compile(
    r"<link\s+rel=\"stylesheet\"\s+href=\"" + re.escape(ASSET_SCHEME) + r"([\w-]+)/([^\"]+)\"\s*/?>"
)
_EXTERNAL_RE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(https?:)?//", re.I)


def standalone_html(m: folium.Map) -> str:
    """Render a map as one HTML page with every script and stylesheet inlined.

    The page needs no network: Leaflet and jQuery come from the installed XStatic packages,
    Leaflet's images become ``data:`` URIs.

    Parameters
    ----------
    m
        The map. Its ``default_js``/``default_css`` are switched to the inline copies.

    Returns
    -------
    str
        The complete HTML document.

    Raises
    ------
    AssetsMissingError
        When a library is not installed, or an element of the map still loads a resource from
        the network (e.g. a Folium plugin whose files are not available offline).
    """
    use_inline_assets(m)
    html = _render(m)

    def script(match: re.Match[str]) -> str:
        text = _read(match.group(1), match.group(2)).replace("</script", "<\\/script")
        return f"<script>{text}</script>"

    def link(match: re.Match[str]) -> str:
        name, relative = match.group(1), match.group(2)
        base = (library_dir(name) / relative).parent
        return f"<style>{_inline_css_urls(_read(name, relative), base)}</style>"

    html = _SCRIPT_RE.sub(script, html)
    html = _LINK_RE.sub(link, html)
    external = _EXTERNAL_RE.search(html)
    if external:
        raise AssetsMissingError(
            f"The map still loads a resource from the network ({external.group(0)[:120]}...); "
            "use only layers whose scripts are available offline."
        )
    return html


def write_standalone_html(m: folium.Map, path: str | Path) -> Path:
    """Write :func:`standalone_html` of a map to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(standalone_html(m), encoding="utf-8")
    return path


def assets_blueprint(name: str = "vendor", url_prefix: str = "/static/vendor") -> Blueprint:
    """Return a Flask blueprint that serves the map libraries' files.

    A file is served at ``{url_prefix}/{library}/{path}``, e.g.
    ``/static/vendor/leaflet/leaflet.js``; pair it with ``use_local_assets(m, url_prefix)``.

    Parameters
    ----------
    name
        Blueprint name.
    url_prefix
        Where it is mounted.

    Returns
    -------
    flask.Blueprint
        The blueprint; register it with ``app.register_blueprint(...)``.
    """
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    known = {lib.name for lib in LIBRARIES}

    @bp.route("/<library>/<path:filename>")
    def asset(library: str, filename: str):  # type: ignore[no-untyped-def]
        if library not in known:
            vendored = VENDORED_DIR / library
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", library) or not vendored.is_dir():
                abort(404)
            return send_from_directory(vendored, filename, max_age=86400)
        response = send_from_directory(library_dir(library), filename, max_age=86400)
        return response

    return bp
