"""A plain page of the API's OpenAPI document for people: no scripts, nothing from outside."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app
from markupsafe import escape

from web.api.core import PREFIX

bp = Blueprint("api_docs_page", __name__)

METHODS = ("get", "post", "put", "patch", "delete")

STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
    "h2{margin-top:2rem;border-bottom:1px solid #ccc}code{background:#f3f3f3;padding:0 .2em}"
    ".op{margin:.6rem 0 1rem}.m{display:inline-block;width:4.2rem;font-weight:700}"
    ".roles{color:#555}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px}"
)


def _params(op: dict[str, Any]) -> str:
    rows = [
        f"<tr><td><code>{escape(p.get('name'))}</code></td><td>{escape(p.get('in'))}</td>"
        f"<td>{escape(p.get('schema', {}).get('type', ''))}</td></tr>"
        for p in op.get("parameters", [])
        if isinstance(p, dict) and "name" in p
    ]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = body.get("schema", {}).get("$ref", "")
    if ref:
        rows.append(
            f"<tr><td><code>{escape(ref.rsplit('/', 1)[-1])}</code></td><td>body</td>"
            "<td>JSON</td></tr>"
        )
    if not rows:
        return ""
    return "<table><tr><th>name</th><th>in</th><th>type</th></tr>" + "".join(rows) + "</table>"


def render(spec: dict[str, Any]) -> str:
    """Return the HTML page of an OpenAPI document: operations by tag, roles, parameters."""
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{STYLE}</style>",
        f"<h1>{escape(info.get('title', 'API'))} {escape(info.get('version', ''))}</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        f"<p>Machine-readable: <a href='{PREFIX}/openapi.json'>openapi.json</a>.</p>",
    ]
    by_tag: dict[str, list[str]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            roles = ", ".join(op.get("x-roles", [])) or "anyone"
            html = (
                f"<div class='op'><span class='m'>{method.upper()}</span>"
                f"<code>{escape(path)}</code> — {escape(op.get('summary', ''))}"
                f"<div class='roles'>Roles: {escape(roles)}</div>"
                f"{_params(op)}</div>"
            )
            for tag in op.get("tags", ["other"]):
                by_tag.setdefault(tag, []).append(html)
    descriptions = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    for tag, ops in by_tag.items():
        parts.append(f"<h2>{escape(tag)}</h2><p>{escape(descriptions.get(tag) or '')}</p>")
        parts.extend(ops)
    return "".join(parts)


@bp.route(f"{PREFIX}/docs")
def docs_page() -> Response:
    """Show the API's operations as a plain page (it works offline)."""
    api = current_app.extensions["patrol_api"]
    return Response(render(api.spec.to_dict()), mimetype="text/html")
