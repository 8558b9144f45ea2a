"""Texts of the district map's layers as visitors without a login see them."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "map_hint_public": (
        "公开地图只显示辖区边界和街道；登录后可按角色查看重点部位、监控、巡逻基点和热点。",
        "The public map shows the district's boundary and streets only; log in to see key "
        "areas, cameras, posts and hotspots as your role allows.",
    ),
}
