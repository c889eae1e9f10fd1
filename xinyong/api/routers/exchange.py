"""Exchange with the provincial and national platforms, and government arrears (政务诚信).

Thin: each endpoint calls one function of ``xinyong.exchange`` or ``xinyong.integrity``,
commits, and answers; a wrong request comes back as 422 with the Chinese reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.api.deps import Caller, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.api.params import Id
from xinyong.clock import today, utcnow
from xinyong.exchange.downward import DownwardError, import_list
from xinyong.exchange.models import ExchangePackage
from xinyong.exchange.packages import build_package, describe_sections
from xinyong.exchange.queue import QueueError, department_queue, list_packages, overdue, resubmit
from xinyong.exchange.receipts import ReceiptError, import_receipt
from xinyong.exchange.targets import TargetError
from xinyong.exchange.transport import send_due
from xinyong.integrity.arrears import government_arrears
from xinyong.settings import get_settings

router = api_router("上报交换与政务诚信")
ERRORS = (TargetError, ReceiptError, QueueError, DownwardError)


def _run(db: Session, action: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        result = action(db, *args, **kwargs)
    except ERRORS as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    db.commit()
    return result


def package_view(package: ExchangePackage) -> dict[str, Any]:
    return {
        "number": package.number,
        "target": package.target,
        "rows": package.rows,
        "sections": package.sections,
        "summary": describe_sections(package),
        "sha256": package.sha256,
        "state": package.state,
        "attempts": package.attempts,
        "last_error": package.last_error,
        "next_attempt_at": package.next_attempt_at,
        "created_at": package.created_at,
        "delivered_at": package.delivered_at,
        "acknowledged_at": package.acknowledged_at,
    }


_PACKAGE: dict[str, Any] = {
    "number": "NATION-20260224-0001",
    "target": "nation",
    "rows": 2,
    "sections": {"list_recognition": 1, "publicity_withdrawn": 1},
    "summary": "名单认定1条、双公示撤销1条",
    "sha256": "9c1185a5c5e9fc54612808977ee8f548b2258d31f0b7a3e1e0a5f7c1d8e4b2a0",
    "state": "delivered",
    "attempts": 1,
    "last_error": None,
    "next_attempt_at": None,
    "created_at": "2026-02-24T01:00:00",
    "delivered_at": "2026-02-24T01:00:02",
    "acknowledged_at": None,
}


class PackagesOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_PACKAGE], "total": 1}]})

    items: list[dict[str, Any]]
    total: int


class BuildIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"target": "nation", "send": True}]})

    target: str = Field(description="报送目标：nation（国家平台）或 province（省级平台）")
    send: bool = Field(True, description="生成后立即发送（失败的按退避时间自动重试）")


class BuildOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"package": _PACKAGE, "sent": [], "message": None}]}
    )

    package: dict[str, Any] | None
    sent: list[dict[str, Any]]
    message: str | None = None


@router.get("/exchange/packages", response_model=PackagesOut, summary="上报交换包及其状态")
def packages(db: Session = Depends(get_db), caller: Caller = Depends(get_caller)) -> dict[str, Any]:
    found = list_packages(db, caller.actor)
    return {"items": [package_view(p) for p in found], "total": len(found)}


@router.post(
    "/exchange/packages", response_model=BuildOut, summary="生成上报交换包（并发送到期的包）"
)
def build(
    body: BuildIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    data_dir = get_settings().data_dir
    package = _run(db, build_package, caller.actor, body.target, today(), data_dir)
    sent = _run(db, send_due, caller.actor, utcnow(), data_dir, body.target) if body.send else []
    return {
        "package": package_view(package) if package else None,
        "sent": [{"number": s.number, "delivered": s.delivered, "error": s.error} for s in sent],
        "message": None if package else "没有待报送的数据",
    }


class ReceiptIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "包编号,行号,结果,原因\nNATION-20260224-0001,1,接收,\n"
                    "NATION-20260224-0001,2,退回,认定机关代码与国家平台登记不一致\n"
                }
            ]
        }
    )

    text: str = Field(
        description="回执（CSV：包编号,行号,结果,原因；或 JSON）", max_length=50_000_000
    )


class ReceiptOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "package": "NATION-20260224-0001",
                    "accepted": 1,
                    "rejected": 1,
                    "acknowledged": True,
                    "rejected_lines": [2],
                }
            ]
        }
    )

    package: str
    accepted: int
    rejected: int
    acknowledged: bool
    rejected_lines: list[int]


@router.post("/exchange/receipts", response_model=ReceiptOut, summary="导入上级平台回执")
def receipt(
    body: ReceiptIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    result = _run(db, import_receipt, caller.actor, body.text, utcnow())
    return dict(result.as_dict())


_ROW: dict[str, Any] = {
    "id": 12,
    "target": "nation",
    "target_name": "全国信用信息共享平台",
    "package": "NATION-20260224-0001",
    "line": 1,
    "kind": "list_recognition",
    "kind_label": "名单认定",
    "item": "black_list",
    "record_key": "5f2c…",
    "department": "示范市税务局",
    "due": "2026-03-05",
    "state": "rejected",
    "state_label": "被退回",
    "reason": "认定机关代码与国家平台登记不一致",
    "overdue_days": None,
}


class RowsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_ROW], "total": 1}]})

    items: list[dict[str, Any]]
    total: int


@router.get("/exchange/overdue", response_model=RowsOut, summary="超过报送期限仍未被接收的数据")
def overdue_items(
    target: str | None = Query(None, description="nation 或 province；默认全部"),
    as_of: date | None = Query(None, description="按该日计算（默认今日）"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    try:
        found = overdue(db, caller.actor, as_of or today(), target)
    except TargetError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {"items": [r.as_dict() for r in found], "total": len(found)}


@router.get(
    "/exchange/queue", response_model=RowsOut, summary="本部门被上级平台退回的数据（含原因）"
)
def queue(
    department_id: Id | None = Query(None, description="信用办可查看指定部门；部门只看本部门"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    found = department_queue(db, caller.actor, department_id, today())
    return {"items": [r.as_dict() for r in found], "total": len(found)}


class ResubmitIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"note": "已在国家平台更新认定机关登记"}]}
    )

    note: str = Field(max_length=2000, description="如何处理了退回原因")


class ResubmitOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": 4821, "state": "resubmitted"}]}
    )

    id: int = Field(description="交换数据行编号")
    state: str = Field(description="该行的新状态：resubmitted（进入下一个交换包）")


@router.post(
    "/exchange/rows/{row_id}/resubmit",
    response_model=ResubmitOut,
    summary="重新提交被退回的数据（进入下一个交换包）",
)
def resubmit_row(
    row_id: Id,
    body: ResubmitIn,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> ResubmitOut:
    row = _run(db, resubmit, caller.actor, row_id, body.note)
    return ResubmitOut(id=row.id, state=row.state)


class ListFileIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "list_type": "dishonest_judgment_debtor",
                    "source": "nation",
                    "file_name": "national_dishonest_debtors_20260605.csv",
                    "rows": [{"SX_MC": "示范市鸿泰贸易有限公司", "SX_SHXYM": "914405007080295548"}],
                }
            ]
        }
    )

    list_type: str = Field(description="名单类型，如 dishonest_judgment_debtor、black_list")
    source: str = Field(description="nation（国家平台）、province（省级平台）、city（外市平台）")
    file_name: str = Field(max_length=200)
    rows: list[dict[str, Any]] = Field(max_length=100_000, description="按目录字段代码或中文列名")


class ListFileOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "list_type": "dishonest_judgment_debtor",
                    "source": "nation",
                    "total": 9,
                    "local": 5,
                    "not_local": 4,
                    "loaded": 5,
                    "unchanged": 0,
                    "rejected": 0,
                    "subjects": 5,
                    "tasks": 60,
                    "batch_id": 31,
                    "rejected_file": None,
                    "notes": [],
                }
            ]
        }
    )

    list_type: str
    source: str
    total: int
    local: int
    not_local: int
    loaded: int
    unchanged: int
    rejected: int
    subjects: int
    tasks: int
    batch_id: int | None
    rejected_file: str | None
    notes: list[str]


@router.post(
    "/exchange/lists",
    response_model=ListFileOut,
    summary="导入国家、省或外市名单，与本地主体比对并生成联合奖惩任务",
)
def list_file(
    body: ListFileIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    department = db.get(Department, caller.department_id) if caller.department_id else None
    if department is None:
        raise HTTPException(status_code=422, detail="发起部门未知：请使用部门的 API 密钥或账号")
    result = _run(
        db,
        import_list,
        caller.actor,
        department,
        body.list_type,
        body.rows,
        source=body.source,
        source_name=body.file_name,
        today=today(),
        rejected_dir=get_settings().data_dir / "rejected",
    )
    return dict(result.as_dict())


class ArrearsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-12-01",
                    "payable": "2400000",
                    "unpaid": "1100000",
                    "bands": {"逾期91至180日": "300000", "未到期": "800000"},
                    "bodies": [
                        {
                            "body": "示范市某某局",
                            "body_code": "114405005DNDL9FTX4",
                            "contracts": 3,
                            "open_contracts": 2,
                            "overdue_contracts": 1,
                            "payable": "2400000",
                            "unpaid": "1100000",
                            "oldest_days": 91,
                            "progress": 0.5417,
                        }
                    ],
                    "arrears": [],
                }
            ]
        }
    )

    as_of: date
    payable: str
    unpaid: str
    bands: dict[str, str]
    bodies: list[dict[str, Any]]
    arrears: list[dict[str, Any]]


@router.get(
    "/government/arrears",
    response_model=ArrearsOut,
    summary="政府机构拖欠企业账款：金额、账龄和清偿进度",
)
def arrears(
    body: str | None = Query(None, description="机关的统一社会信用代码或名称的一部分"),
    open_only: bool = Query(False, description="只看未清偿的"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    view = government_arrears(db, caller.actor, today(), body=body, open_only=open_only)
    shown = view.as_dict()
    shown["payable"], shown["unpaid"] = str(shown["payable"]), str(shown["unpaid"])
    shown["bands"] = {k: str(v) for k, v in shown["bands"].items()}
    return shown
