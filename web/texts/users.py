"""Texts of the users page: roles and patrol groups of existing users."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "users_groups": ("巡逻班组", "Patrol groups"),
    "users_actions": ("修改", "Change"),
    "users_no_groups": ("未关联班组", "no group"),
    "users_groups_hint": (
        "队员只能查看所关联班组的巡逻路线；班组来自当前辖区的队伍数据。",
        "Members see only the routes of the groups linked to them; the groups are the working "
        "district's teams.",
    ),
    "users_district_no_groups": ("当前辖区没有班组。", "The district has no patrol groups."),
    "users_save_role": ("保存角色", "Save role"),
    "users_save_groups": ("保存班组", "Save groups"),
    "users_role_of": ("{name} 的角色", "Role of {name}"),
    "users_groups_of": ("{name} 的班组", "Groups of {name}"),
    "users_role_changed": ("已将 {name} 的角色改为{role}。", "{name} is now {role}."),
    "users_groups_saved": (
        "已更新 {name} 的班组：{groups}。",
        "Groups of {name} saved: {groups}.",
    ),
    "users_err_group": (
        "未知班组 {group}；辖区的班组为 {known}。",
        "Unknown patrol group {group}; the district's groups are {known}.",
    ),
    "users_err_last_admin": (
        "{name} 是唯一的管理员，不能改为其他角色。",
        "{name} is the only admin, so their role cannot change.",
    ),
    "users_err_not_member": (
        "只有队员可以关联巡逻班组，而 {name} 的角色是{role}。",
        "Only members are linked to patrol groups; the role of {name} is {role}.",
    ),
}
