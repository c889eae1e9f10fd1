"""Credit checks embedded in other systems, matters and measures, and the feedback loop."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import BackgroundTasks, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.api.check_schemas import (
    CSV_DOWNLOAD,
    BulkQueuedOut,
    BulkStatusOut,
    FeedbackOut,
    JointStatisticsOut,
    JointTasksOut,
    MattersOut,
    MeasuresOut,
)
from xinyong.api.deps import (
    Caller,
    documented_body,
    gate,
    get_caller,
    get_caller_async,
    get_db,
    json_body,
)
from xinyong.api.errors import api_router
from xinyong.api.params import Id, JobId
from xinyong.clock import today
from xinyong.db.engine import get_engine
from xinyong.ingest.readers import LimitError, ReadError
from xinyong.measures import bulk
from xinyong.measures.checks import CheckError, check_request
from xinyong.measures.feedback import FeedbackError, initiate, report, statistics
from xinyong.measures.registry import measure_book
from xinyong.measures.service import check_service
from xinyong.safety.uploads import store_upload
from xinyong.settings import get_settings

router = api_router("联合奖惩与信用核查")


class CheckIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subjects": ["914405007080295548", "示范市鸿泰贸易有限公司"],
                    "matter": "GP",
                    "purpose": "2026年第12号政府采购项目供应商资格审查",
                }
            ]
        }
    )

    subjects: list[str] = Field(description="统一社会信用代码、身份证号码或完整名称，最多100个")
    matter: str = Field(description="事项编码，见 GET /api/v1/matters")
    purpose: str = Field(description="核查用途（记入审计日志）")


class CheckOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "check_id": "5f1c0e7a9b3d4c2e8f6a1b2c3d4e5f60",
                    "matter": "GP",
                    "results": [
                        {
                            "subject": "914405007080295548",
                            "advice": "restrict",
                            "resolved": {
                                "code": "914405007080295548",
                                "name": "示范市鸿泰贸易有限公司",
                                "ref": "914405007080295548",
                                "kind": "enterprise",
                            },
                            "candidates": [],
                            "explanation": "因严重失信主体名单，本事项应实施：限制参加政府采购活动",
                            "hits": [
                                {
                                    "record_id": 88,
                                    "item": "black_list",
                                    "list_type": "black_list",
                                    "list_name": "严重失信主体名单",
                                    "document": "示税失信〔2026〕1号",
                                    "since": "2026-01-05",
                                    "until": "2029-01-04",
                                    "department_id": 3,
                                }
                            ],
                            "grades": [{"model": "general_enterprise", "grade": "D"}],
                            "measures": [
                                {
                                    "code": "P01",
                                    "name": "限制参加政府采购活动",
                                    "kind": "punishment",
                                    "legal_basis": "《中华人民共和国政府采购法》第二十二条：“……”",
                                    "department": "财政局",
                                    "because_of_records": [88],
                                }
                            ],
                            "related_risks": [
                                {
                                    "party": {
                                        "id": "91440500MA4UXQ5K3A",
                                        "name": "示范市鸿泰控股集团有限公司",
                                        "code": "91440500MA4UXQ5K3A",
                                        "kind": "organization",
                                    },
                                    "relations": ["controller"],
                                    "relation_label": "控制人",
                                    "path": [
                                        {
                                            "id": "91440500MA4UXQ5K3A",
                                            "name": "示范市鸿泰控股集团有限公司",
                                        },
                                        {
                                            "id": "914405007080295548",
                                            "name": "示范市鸿泰贸易有限公司",
                                        },
                                    ],
                                    "record_id": 97,
                                    "list_type": "black_list",
                                    "list_name": "严重失信主体名单",
                                    "since": "2026-03-02",
                                    "until": "2029-03-01",
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    check_id: str
    matter: str
    results: list[dict[str, Any]] = Field(
        description=(
            "每个主体的结论 advice：restrict 限制、incentivise 激励、note 提示、clear 无；"
            "related_risks：控制人、股东或法定代表人列入严重失信名单的关联方风险及关系路径"
            "（不改变 advice，奖惩措施只针对主体本身）"
        )
    )


# The credit check is the hot path: its route has no dependencies at all (FastAPI's
# dependency solving costs more than the check's own Python work) and calls the gate itself.
hot_router = api_router("联合奖惩与信用核查")


@hot_router.post(
    "/checks",
    response_model=CheckOut,
    summary="信用核查（办事先查信用）",
    openapi_extra=documented_body(CheckIn),
)
async def check(request: Request) -> JSONResponse:
    # The hot path: the body is parsed by pydantic straight from bytes (``json_body``) and a
    # remembered API key is resolved without a dependency or a thread hop.
    await gate(request)
    caller = await get_caller_async(request)
    body = await json_body(request, CheckIn)
    try:
        asked = check_request(
            caller.actor, caller.department_id, body.subjects, body.matter, body.purpose, today()
        )
    except CheckError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    # Answered, stored and audited by the check service in a batch with concurrent checks;
    # the answer comes back once its batch has committed.
    answer = await check_service(get_engine()).run(asked)
    return JSONResponse(answer)


@router.get("/matters", response_model=MattersOut, summary="业务事项及其对应的奖惩措施")
def matters() -> dict[str, Any]:
    book = measure_book()
    items = [
        {
            "code": m.code,
            "name": m.name,
            "basis": m.basis,
            "measures": [
                {"code": c, "name": book.measures[c].name, "kind": book.measures[c].kind}
                for c in m.measures
            ],
        }
        for m in book.matters.values()
    ]
    return {"items": items, "total": len(items)}


@router.get("/measures", response_model=MeasuresOut, summary="奖惩措施清单（含法律依据）")
def measures() -> dict[str, Any]:
    book = measure_book()
    items = [
        {
            "code": m.code,
            "name": m.name,
            "kind": m.kind,
            "category": book.categories.get(m.category, m.category),
            "legal_basis": m.legal_basis.cite() if m.legal_basis else None,
            "departments": m.departments,
            "triggers": m.triggers.lists,
        }
        for m in book.measures.values()
    ]
    return {"items": items, "total": len(items)}


@router.post(
    "/checks/bulk",
    response_model=BulkQueuedOut,
    summary="批量核查（CSV/XLSX，最多10万个主体，后台执行）",
)
def bulk_check(
    background: BackgroundTasks,
    file: UploadFile,
    matter: str = Form(...),
    purpose: str = Form(...),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    if matter not in measure_book().matters:
        raise HTTPException(status_code=422, detail=f"事项编码“{matter}”不存在")
    root = get_settings().data_dir
    with tempfile.TemporaryDirectory() as tmp:
        try:
            upload = store_upload(file.file, Path(tmp), file.filename, "subjects.csv")
        except ReadError as exc:
            status = 413 if isinstance(exc, LimitError) else 422
            raise HTTPException(status_code=status, detail=str(exc)) from exc
        job_id = bulk.start(root, upload, caller.department_id)
    background.add_task(bulk.run, root, job_id, caller.actor, caller.department_id, matter, purpose)
    return {"job_id": job_id, "status": f"/api/v1/checks/bulk/{job_id}"}


@router.get(
    "/checks/bulk/{job_id}",
    response_model=BulkStatusOut,
    response_model_exclude_unset=True,
    summary="批量核查进度",
)
def bulk_status(job_id: JobId, caller: Caller = Depends(get_caller)) -> dict[str, Any]:
    status = bulk.job_status(get_settings().data_dir, caller, job_id)
    if status is None:
        raise HTTPException(status_code=404, detail=f"批量核查任务“{job_id}”不存在")
    if status.get("state") == "done":
        status["result_url"] = f"/api/v1/checks/bulk/{job_id}/result"
    return status


@router.get(
    "/checks/bulk/{job_id}/result",
    response_class=FileResponse,
    summary="下载批量核查结果",
    responses={200: {"description": "结果文件（CSV，UTF-8 带 BOM）", "content": CSV_DOWNLOAD}},
)
def bulk_result(
    job_id: JobId, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> FileResponse:
    path = bulk.result_file(db, get_settings().data_dir, caller, job_id)
    if path is None:
        raise HTTPException(status_code=404, detail="结果尚未生成")
    db.commit()
    return FileResponse(path, filename=f"核查结果-{job_id}.csv")


class InitiateIn(BaseModel):
    record_ids: list[int] = Field(description="发起部门推送的名单记录")


@router.post(
    "/joint-tasks", response_model=JointTasksOut, summary="发起联合惩戒：把名单转为各实施部门的任务"
)
def joint_initiate(
    body: InitiateIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    department = db.get(Department, caller.department_id) if caller.department_id else None
    if department is None:
        raise HTTPException(status_code=422, detail="发起部门未知")
    try:
        tasks = initiate(db, caller.actor, department, body.record_ids, today())
    except FeedbackError as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    db.commit()
    return {
        "tasks": [
            {"id": t.id, "implementer": t.implementer, "measure": t.measure, "due_date": t.due_date}
            for t in tasks
        ],
        "total": len(tasks),
    }


class FeedbackIn(BaseModel):
    task_id: Id | None = None
    check_id: str | None = None
    measure: str = Field(examples=["P01"])
    applied: bool
    reason: str = Field(examples=["已在资格审查中否决其投标"])


@router.post("/feedback", response_model=FeedbackOut, summary="实施部门反馈措施实施情况")
def feedback(
    body: FeedbackIn, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    department = db.get(Department, caller.department_id) if caller.department_id else None
    try:
        entry = report(
            db,
            caller.actor,
            department,
            body.measure,
            body.applied,
            body.reason,
            body.task_id,
            body.check_id,
        )
    except FeedbackError as exc:
        db.rollback()
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    db.commit()
    return {"id": entry.id, "applied": entry.applied}


@router.get(
    "/joint/statistics",
    response_model=JointStatisticsOut,
    summary="联合奖惩统计：核查、命中、反馈率、超期任务",
)
def joint_statistics(
    db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    items = [s.as_dict() for s in statistics(db, today())]
    return {"departments": items, "total": len(items)}
