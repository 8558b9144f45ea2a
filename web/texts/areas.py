"""Texts of the key areas and hotspots editor and of the edit history (audit log)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # Navigation and titles
    "nav_areas": ("重点部位编辑", "Key areas"),
    "nav_audit": ("修改记录", "Edit history"),
    "areas_title": ("重点部位", "Key areas"),
    "areas_editor_title": ("在地图上编辑重点部位", "Edit key areas on the map"),
    "areas_editor_hint": (
        "用左侧工具画点或多边形新增重点部位；用“编辑”工具移动或修改形状，用“删除”工具删除，"
        "然后点“保存”。也可使用表单页，无需脚本。",
        "Draw a marker or a polygon with the tools on the left to add a key area; move or "
        "reshape areas with the edit tool, remove them with the delete tool, then press Save. "
        "Every area also has a plain form page that works without scripts.",
    ),
    "areas_list_link": ("列表", "List"),
    "areas_map_link": ("地图编辑", "Map editor"),
    "areas_new_link": ("新增（表单）", "Add (form)"),
    "areas_import_link": ("导入 GeoJSON", "Import GeoJSON"),
    "areas_export_link": ("导出 GeoJSON", "Export GeoJSON"),
    "areas_hotspots_link": ("热点标记与权重", "Hotspot pins and weights"),
    "areas_incidents_link": ("导入警情", "Import incidents"),
    "area_new_title": ("新增重点部位", "Add a key area"),
    "area_edit_title": ("重点部位 {id}", "Key area {id}"),
    "area_drawn": ("已画出新的重点部位，请填写：", "New key area drawn; fill in:"),
    "area_changed_shapes": (
        "已修改 {n} 个重点部位的位置或形状。",
        "{n} key areas moved or reshaped.",
    ),
    "area_deleted_shapes": ("将删除 {n} 个重点部位。", "{n} key areas to delete."),
    "area_count": ("共 {n} 个（显示 {shown} 个）", "{n} in all ({shown} shown)"),
    # Fields
    "area_id": ("编号", "ID"),
    "area_name": ("名称", "Name"),
    "area_category": ("类别", "Category"),
    "area_priority": ("重要度（1–5）", "Priority (1–5)"),
    "area_windows": ("时间窗", "Time windows"),
    "area_windows_hint": (
        "如 07:20-08:00;16:30-17:10（22:00-01:00 为跨午夜），留空则用类别默认时间窗",
        "e.g. 07:20-08:00;16:30-17:10 (22:00-01:00 crosses midnight); empty: the category's "
        "default windows",
    ),
    "area_dose": ("每班巡逻时长（分钟）", "Dose per shift (minutes)"),
    "area_dose_hint": ("留空则按风险计算", "empty: computed from risk"),
    "area_geometry": ("几何（GeoJSON）", "Geometry (GeoJSON)"),
    "area_lon": ("经度", "Longitude"),
    "area_lat": ("纬度", "Latitude"),
    "area_point_or_geometry": (
        "填写点的经纬度，或粘贴 GeoJSON 点或多边形。",
        "Give a point's longitude and latitude, or paste a GeoJSON point or polygon.",
    ),
    "area_kind": ("形状", "Shape"),
    "area_point": ("点", "point"),
    "area_polygon": ("多边形", "polygon"),
    "area_any": ("全部", "all"),
    "area_filter": ("筛选", "Filter"),
    "area_search": ("名称或编号包含", "Name or ID contains"),
    "area_min_priority": ("最低重要度", "Priority at least"),
    "area_save": ("保存", "Save"),
    "area_delete": ("删除", "Delete"),
    "area_delete_confirm": ("删除此重点部位", "Delete this key area"),
    "area_cancel": ("取消", "Cancel"),
    "area_edit": ("编辑", "Edit"),
    "area_pin_link": ("热点设置", "Hotspot"),
    "area_none": ("没有符合条件的重点部位。", "No key area matches."),
    "area_default": ("默认", "default"),
    "area_auto": ("按风险", "from risk"),
    # Results
    "area_added": ("已新增重点部位 {id}。", "Key area {id} added."),
    "area_updated": ("已保存重点部位 {id}。", "Key area {id} saved."),
    "area_removed": ("已删除重点部位 {id}。", "Key area {id} deleted."),
    "area_unchanged": ("没有变化，未保存。", "Nothing changed; nothing was saved."),
    "area_shapes_saved": ("已保存 {n} 处修改。", "{n} changes saved."),
    # Import and export
    "area_import_title": ("导入重点部位（GeoJSON）", "Import key areas (GeoJSON)"),
    "area_import_hint": (
        "上传 GeoJSON 要素集合：带已有编号的要素更新该部位，其余为新增。先预览，再导入；"
        "有被拒绝的要素时不能导入。",
        "Upload a GeoJSON FeatureCollection: a feature with the ID of an existing area updates "
        "it, any other is added. Preview first, then import; a file with rejected features "
        "cannot be imported.",
    ),
    "area_file": ("文件", "File"),
    "area_preview": ("预览", "Preview"),
    "area_import_button": ("导入", "Import"),
    "area_preview_added": ("新增 {n} 个", "{n} to add"),
    "area_preview_updated": ("更新 {n} 个", "{n} to update"),
    "area_preview_unchanged": ("未变 {n} 个", "{n} unchanged"),
    "area_preview_rejected": ("拒绝 {n} 个", "{n} rejected"),
    "area_feature_no": ("要素序号", "Feature"),
    "area_reason": ("原因", "Reason"),
    "area_imported": (
        "已导入：新增 {added} 个，更新 {updated} 个。",
        "Imported: {added} added, {updated} updated.",
    ),
    "area_no_file": ("请选择要上传的文件。", "Choose a file to upload."),
    # Hotspots
    "hotspot_title": ("热点标记与风险权重", "Hotspot pins and risk weights"),
    "hotspot_hint": (
        "标记的地点总被视为热点；权重乘以计算出的风险（1 为不变，0 为忽略）。"
        "不标记、权重 1、无备注即取消该地点的设置。",
        "A pinned place is always a hotspot; the weight multiplies its computed risk (1: "
        "unchanged, 0: ignored). No pin, weight 1 and no note remove the place's override.",
    ),
    "hotspot_place": ("地点编号（重点部位、街道或网格）", "Place ID (key area, street or grid)"),
    "hotspot_pin": ("标记为热点", "Pin as a hotspot"),
    "hotspot_weight": ("权重", "Weight"),
    "hotspot_note": ("备注", "Note"),
    "hotspot_kind": ("类型", "Kind"),
    "hotspot_saved": ("已保存 {id} 的热点设置。", "Hotspot setting of {id} saved."),
    "hotspot_none": ("暂无热点设置。", "No hotspot overrides yet."),
    "hotspot_kind_key_area": ("重点部位", "key area"),
    "hotspot_kind_street": ("街道", "street"),
    "hotspot_kind_grid": ("网格", "grid"),
    # Incidents
    "incidents_title": ("导入警情记录", "Import incident records"),
    "incidents_hint": (
        "上传 CSV 或 GeoJSON（时间、位置、类别）。先预览将新增和被拒绝的记录（按行号），"
        "再导入到工作数据；无法使用的文件整份拒绝，已存数据不变。",
        "Upload a CSV or GeoJSON file (time, location, category). Preview which records will "
        "be added and which are rejected (by line), then import them into the working data; "
        "a file that cannot be used is rejected whole and nothing stored changes.",
    ),
    "incidents_mapping": ("列对应（每行 列名=字段）", "Column mapping (one column=field a line)"),
    "incidents_mapping_hint": (
        "每行一项“文件列名=字段”；常见列名可自动识别。字段：",
        'One "file column=field" per line; common column names are recognised. Fields:',
    ),
    "incidents_mapping_example": ("发案时间=time", "occurred_at=time"),
    "incidents_time_zone": ("时区（留空用辖区时区）", "Time zone (empty: the district's)"),
    "incidents_added": ("新增 {n} 条", "{n} to add"),
    "incidents_replaced": ("替换 {n} 条（编号相同）", "{n} to replace (same id)"),
    "incidents_rejected": ("拒绝 {n} 条", "{n} rejected"),
    "incidents_line": ("行号", "Line"),
    "incidents_feature": ("要素序号", "Feature"),
    "incidents_sample": ("前几条记录", "First records"),
    "incidents_imported": ("已导入 {n} 条警情记录。", "{n} incident records imported."),
    # Audit log
    "audit_title": ("修改记录", "Edit history"),
    "audit_hint": (
        "对辖区数据的每次修改：谁、何时、改了什么。撤销本身也是一次修改；目标在之后又被改过时"
        "不能撤销。",
        "Every change of the district data: who, when, what. An undo is itself an edit; an "
        "edit whose target changed since cannot be undone.",
    ),
    "audit_when": ("时间", "When"),
    "audit_who": ("修改人", "Who"),
    "audit_kind": ("类型", "Kind"),
    "audit_action": ("操作", "Action"),
    "audit_target": ("对象", "Target"),
    "audit_summary": ("说明", "Summary"),
    "audit_diff": ("修改前后", "Before and after"),
    "audit_undo": ("撤销", "Undo"),
    "audit_undone": ("已被 #{id} 撤销", "undone by #{id}"),
    "audit_undo_of": ("撤销 #{id}", "undoes #{id}"),
    "audit_undo_done": ("已撤销修改 #{id}。", "Edit #{id} undone."),
    "audit_none": ("还没有修改。", "No edits yet."),
    "audit_all": ("全部", "all"),
    "audit_version": ("数据版本", "Data version"),
    "audit_current_version": ("当前数据版本：{v}", "Current data version: {v}"),
    "audit_plans": ("方案所用数据版本", "Data versions of plans"),
    "audit_plans_at": ("用此版本的方案", "Plans made from this version"),
    "audit_no_plans": ("暂无方案。", "No plans yet."),
    "audit_shipped": ("0（原始数据）", "0 (as shipped)"),
    "audit_records": ("{n} 条记录", "{n} records"),
    "audit_added_field": ("新增", "added"),
    "audit_removed_field": ("删除", "removed"),
    "audit_geometry_changed": ("位置或形状已改变", "moved or reshaped"),
    "kind_area": ("重点部位", "key area"),
    "kind_hotspot": ("热点", "hotspot"),
    "kind_incidents": ("警情", "incidents"),
    "kind_teams": ("班组", "teams"),
    "kind_rules": ("规则", "rules"),
    "action_add": ("新增", "add"),
    "action_update": ("修改", "update"),
    "action_delete": ("删除", "delete"),
    "action_import": ("导入", "import"),
    "action_replace": ("替换", "replace"),
    "action_undo": ("撤销", "undo"),
    # Summaries written into the audit log
    "area_sum_add": ("新增重点部位 {area}", "Added key area {area}"),
    "area_sum_update": ("修改重点部位 {area}：{fields}", "Changed key area {area}: {fields}"),
    "area_sum_delete": ("删除重点部位 {area}", "Deleted key area {area}"),
    "area_sum_import": (
        "从 {file} 导入重点部位：新增 {added}，更新 {updated}",
        "Imported key areas from {file}: {added} added, {updated} updated",
    ),
    "area_sum_undo": ("撤销 #{id}（{summary}）", "Undo of #{id} ({summary})"),
    "hotspot_sum_set": (
        "{id} 热点设置：标记 {pin}，权重 {weight}",
        "Hotspot setting of {id}: pinned {pin}, weight {weight}",
    ),
    "hotspot_sum_clear": ("取消 {id} 的热点设置", "Removed the hotspot setting of {id}"),
    "incidents_sum_import": (
        "从 {file} 导入警情 {n} 条（拒绝 {bad} 条）",
        "Imported {n} incidents from {file} ({bad} refused)",
    ),
    "area_yes": ("是", "yes"),
    "area_no": ("否", "no"),
    # Refusals (one sentence each)
    "area_err_missing": ("缺少字段 {field}。", "The field {field} is missing."),
    "area_err_name": (
        "名称须为 1 至 {max} 个字符。",
        "The name must have 1 to {max} characters.",
    ),
    "area_err_markup": (
        "{field} 不能包含 < 或 >。",
        "The {field} must not contain < or >.",
    ),
    "area_err_category": (
        "类别“{value}”未知，请使用：{choices}。",
        "The category {value!r} is unknown; use one of {choices}.",
    ),
    "area_err_priority": (
        "重要度“{value}”须为 1 至 5 的整数。",
        "The priority {value!r} is not a whole number from 1 to 5.",
    ),
    "area_err_windows": (
        "时间窗“{value}”无法使用（{reason}）；请写成 HH:MM-HH:MM，多个用分号隔开，"
        "如 07:20-08:00;16:30-17:10。",
        "The time windows {value!r} cannot be used ({reason}); write HH:MM-HH:MM items "
        "joined by ';', e.g. 07:20-08:00;16:30-17:10.",
    ),
    "area_err_dose": (
        "巡逻时长“{value}”须为 0 至 {max} 分钟的数。",
        "The dose {value!r} is not a number of minutes from 0 to {max}.",
    ),
    "area_err_geometry_json": (
        "几何不是有效的 GeoJSON 文本。",
        "The geometry is not valid GeoJSON text.",
    ),
    "area_err_geometry_type": (
        "几何类型为 {kind}，须为 GeoJSON 点（Point）或多边形（Polygon）。",
        "The geometry is a {kind}; it must be a GeoJSON Point or Polygon.",
    ),
    "area_err_geometry_coords": (
        "{kind} 几何的坐标不完整或格式错误。",
        "The coordinates of the {kind} geometry are incomplete or malformed.",
    ),
    "area_err_geometry_invalid": (
        "多边形无效（{reason}）。",
        "The polygon is not valid ({reason}).",
    ),
    "area_err_lonlat": (
        "坐标须为经度 -180 至 180、纬度 -90 至 90 的数。",
        "The coordinates must be numbers: longitude -180 to 180, latitude -90 to 90.",
    ),
    "area_err_outside": (
        "该位置在辖区边界之外（超出 {m} 米）。",
        "The area lies outside the district boundary (more than {m} m away).",
    ),
    "area_err_id": (
        "编号“{value}”须为 1 至 60 个字母、数字或 - _ . :。",
        "The ID {value!r} must be 1 to 60 letters, digits, '-', '_', '.' or ':'.",
    ),
    "area_err_id_taken": (
        "编号 {id} 已被占用，请重试。",
        "The ID {id} is already taken; try again.",
    ),
    "area_err_no_area": ("没有编号为 {id} 的重点部位。", "There is no key area {id}."),
    "area_err_stale": (
        "重点部位 {id} 在您打开之后已被修改（第 {edit} 号修改，{who}：{summary}），未保存；"
        "请重新打开后再改。",
        "Key area {id} has changed since you opened it (edit {edit} by {who}: {summary}), so "
        "nothing was saved; open it again and redo your change.",
    ),
    "area_err_changed": (
        "{id} 刚被他人修改，请刷新后重试。",
        "{id} was changed by someone else meanwhile; reload and try again.",
    ),
    "area_err_utf8": ("文件 {file} 不是 UTF-8 文本。", "The file {file} is not UTF-8 text."),
    "area_err_json": (
        "文件 {file} 不是有效的 JSON（第 {line} 行：{msg}）。",
        "The file {file} is not valid JSON (line {line}: {msg}).",
    ),
    "area_err_not_collection": (
        "文件 {file} 不是 GeoJSON 要素集合（FeatureCollection）。",
        "The file {file} is not a GeoJSON FeatureCollection.",
    ),
    "area_err_no_features": (
        "文件 {file} 没有要素。",
        "The file {file} holds no features.",
    ),
    "area_err_not_feature": ("不是 GeoJSON 要素", "it is not a GeoJSON Feature"),
    "area_err_repeated_id": (
        "编号 {id} 与前面的要素重复。",
        "The ID {id} repeats an earlier feature.",
    ),
    "area_err_feature": ("第 {n} 个要素：{reason}", "Feature {n}: {reason}"),
    "area_err_import_rejected": (
        "文件 {file} 有 {count} 个要素被拒绝，未导入；{first}",
        "The file {file} has {count} rejected features and was not imported; {first}",
    ),
    "hotspot_err_place": (
        "没有编号为“{id}”的重点部位、街道或网格。",
        "There is no key area, street or grid with the ID {id!r}.",
    ),
    "hotspot_err_weight": (
        "权重“{value}”须为 0 至 {max} 的数。",
        "The weight {value!r} is not a number from 0 to {max}.",
    ),
    "hotspot_err_note": (
        "备注须为一行，至多 {max} 个字符。",
        "The note must be one line of at most {max} characters.",
    ),
    "incidents_err_suffix": (
        "文件 {file} 须为 {suffixes} 文件。",
        "The file {file} must be a {suffixes} file.",
    ),
}
"""Key -> (Chinese, English)."""
