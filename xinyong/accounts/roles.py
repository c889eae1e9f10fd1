"""Staff roles and what each may do."""

from __future__ import annotations

ROLES: dict[str, str] = {
    "admin": "信用办管理员",
    "data_officer": "部门数据报送员",
    "reviewer": "审核员",
    "auditor": "审计员",
}

API_SCOPES: dict[str, str] = {
    "read": "查询主体与信用记录（政务共享视图）",
    "ingest": "报送数据",
    "checks": "信用核查",
    "admin": "管理",
    "lending": "信易贷（金融机构：发布产品、处理贷款申请、查询经授权的信息、双查询）",
}
