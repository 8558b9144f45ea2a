"""Texts shared by several pages: column heads and the codes that plans carry."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "col_id": ("编号", "ID"),
    # Outcomes of a solver stage (planner.result.SolveStatus), as plan documents store them.
    "solve_optimal": ("最优", "optimal"),
    "solve_feasible": ("可行", "feasible"),
    "solve_infeasible": ("无可行解", "infeasible"),
    "solve_unknown": ("未知", "unknown"),
    "stage_inputs": ("输入数据", "inputs"),
    "audit_point": ("点 {lon}, {lat}", "point {lon}, {lat}"),
    "audit_polygon": ("多边形（{n} 个顶点）", "polygon ({n} vertices)"),
    "audit_parts": ("多部分（{n} 个）", "{n} parts"),
    "audit_yes": ("是", "yes"),
    "audit_no": ("否", "no"),
    "n_days": ("{n} 天", "{n} days"),
}
