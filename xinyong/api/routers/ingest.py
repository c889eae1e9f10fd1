"""Departments push records: a file upload or JSON rows, with a department API key."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.api.deps import Caller, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.api.params import Id
from xinyong.api.schemas import REJECTED_DOWNLOAD, REJECTED_DOWNLOAD_TEXT, IngestOut, QualityOut
from xinyong.catalog.registry import CatalogError, get_catalog
from xinyong.ingest.batches import rejected_file_for, reporting_department
from xinyong.ingest.pipeline import IngestResult, _may_publish, ingest_rows
from xinyong.ingest.quality import quality_report
from xinyong.ingest.queue import batch_status, enqueue, new_folder, start
from xinyong.ingest.readers import LimitError, ReadError
from xinyong.safety.uploads import check_declared_length, preflight, store_upload
from xinyong.settings import get_settings

router = api_router("数据汇聚")
MAX_JSON_ROWS = 50_000
SYNC_ROWS = 1000  # pushes up to this many rows load at once; larger ones are queued


class BatchQueuedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": 13,
                    "item": "admin_penalty",
                    "state": "queued",
                    "status_url": "/api/v1/ingest/batches/13",
                }
            ]
        }
    )

    batch_id: int
    item: str
    state: str = Field(description="queued")
    status_url: str = Field(description="GET 此地址查看进度与结果")


class BatchStatusOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "batch_id": 13,
                    "item": "admin_penalty",
                    "state": "running",
                    "source_name": "行政处罚2026年11月.xlsx",
                    "received_at": "2026-12-08T01:02:03",
                    "started_at": "2026-12-08T01:02:05",
                    "finished_at": None,
                    "error": None,
                    "progress": {"rows": 20000, "at": "2026-12-08T01:02:41.518204"},
                    "status_url": "/api/v1/ingest/batches/13",
                }
            ]
        },
    )

    batch_id: int
    item: str
    state: str = Field(description="queued、running、done、failed")
    source_name: str | None = None
    received_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = Field(None, description="失败原因（中文）")
    progress: dict[str, Any] | None = Field(None, description="已读取行数（载入中）")
    status_url: str


def _rejected_dir() -> Path:
    """A folder of its own for each request's rejected rows (never shared between batches)."""
    return get_settings().data_dir / "rejected" / uuid.uuid4().hex


def _public_result(result: IngestResult) -> dict[str, Any]:
    shown = result.as_dict()
    if result.rejected_file:
        shown["rejected_file"] = f"/api/v1/ingest/batches/{result.batch_id}/rejected"
    return shown


async def _upload_rows(request: Request) -> tuple[UploadFile | None, list[dict[str, Any]] | None]:
    """The upload or the pushed rows; a body that is neither is refused in Chinese (422), a
    body over the size limit before it is read (413)."""
    try:
        check_declared_length(request.headers.get("content-length"))
    except LimitError as exc:
        raise HTTPException(status_code=413, detail=str(exc)) from exc
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await request.form()
        except Exception as exc:  # Starlette's multipart parser: many kinds of malformed body
            raise HTTPException(
                status_code=422, detail=f"表单无法解析：{exc}；请以表单字段 file 上传文件"
            ) from exc
        upload = form.get("file")
        if not isinstance(upload, UploadFile) and not hasattr(upload, "filename"):
            raise HTTPException(status_code=422, detail="请以表单字段 file 上传文件")
        return upload, None  # type: ignore[return-value]
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, nested too deep
        raise HTTPException(
            status_code=422,
            detail=f"请求体不是有效的 UTF-8 JSON（{type(exc).__name__}）："
            '应为 {"rows": [{...}, ...]}，或以表单字段 file 上传文件',
        ) from exc
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise HTTPException(status_code=422, detail='请求体应为 {"rows": [{...}, ...]}')
    if not rows:
        raise HTTPException(status_code=422, detail="请求体中 rows 为空：请至少推送一行数据")
    if len(rows) > MAX_JSON_ROWS:
        raise HTTPException(
            status_code=413, detail=f"单次推送最多{MAX_JSON_ROWS}行，请改用文件上传"
        )
    return None, rows


@router.post(
    "/ingest/{item}",
    response_model=IngestOut,
    summary="报送数据（上传文件或推送 JSON 行）",
    description=(
        "上传文件（表单字段 file）或推送超过 1000 行的 JSON：文件保存后立即返回 202 和批次号，"
        "由后台进程载入，进度与结果见 status_url。推送 1000 行以内的 JSON：载入后返回 200 和计数。"
    ),
    responses={
        202: {"model": BatchQueuedOut, "description": "已接收并排队，由后台进程载入"},
        403: {"description": "无权为该部门报送或报送即公示"},
        404: {"description": "目录项不存在"},
        413: {"description": "文件超过上限（大小、列数、解压后大小或压缩比）"},
        422: {"description": "请求体或文件无法读取（原因见 detail）"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"type": "object", "properties": {"rows": {"type": "array"}}},
                    "example": {
                        "rows": [
                            {
                                "行政相对人名称": "示范市鸿泰贸易有限公司",
                                "CF_WSH": "示市监罚〔2026〕12号",
                            }
                        ]
                    },
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    },
                },
            }
        }
    },
)
async def push(
    item: str,
    request: Request,
    publish: bool = False,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> Any:
    try:
        entry = get_catalog().item(item)
    except CatalogError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    department = reporting_department(db, caller)
    _may_publish(caller, department, entry, publish)  # refused (403) before the body is read
    upload, rows = await _upload_rows(request)
    try:
        if rows is not None and len(rows) <= SYNC_ROWS:
            result = await run_in_threadpool(_push_now, db, item, rows, caller, department, publish)
            db.commit()
            return _public_result(result)
        batch_id = await run_in_threadpool(
            _queue_batch, db, item, upload, rows, caller, department, publish
        )
    except ReadError as exc:
        db.rollback()
        status = 413 if isinstance(exc, LimitError) else 422
        raise HTTPException(status_code=status, detail=str(exc)) from exc
    start(batch_id)
    return JSONResponse(
        status_code=202,
        content={
            "batch_id": batch_id,
            "item": item,
            "state": "queued",
            "status_url": f"/api/v1/ingest/batches/{batch_id}",
        },
    )


def _push_now(
    db: Session,
    item: str,
    rows: list[dict[str, Any]],
    caller: Caller,
    department: Department | None,
    publish: bool,
) -> IngestResult:
    """A small push, loaded at once (in a worker thread, never on the event loop)."""
    return ingest_rows(
        db,
        item,
        rows,
        actor=caller.actor,
        department=department,
        publish=publish,
        rejected_dir=_rejected_dir(),
    )


def _queue_batch(
    db: Session,
    item: str,
    upload: UploadFile | None,
    rows: list[dict[str, Any]] | None,
    caller: Caller,
    department: Department | None,
    publish: bool,
) -> int:
    """Store the upload (or the rows, as JSON Lines), check what can be checked without
    parsing it, and record the queued batch (committed)."""
    folder = new_folder()
    try:
        if upload is not None:
            path = store_upload(upload.file, folder, upload.filename, "upload.csv")
            preflight(path)
        else:
            path = folder / "push.jsonl"
            with path.open("w", encoding="utf-8") as out:
                for row in rows or []:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        batch = enqueue(db, item, path, path.name, department, caller.actor, publish)
        db.commit()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return batch.id


@router.get(
    "/ingest/batches/{batch_id}",
    response_model=BatchStatusOut,
    summary="批次状态与计数（排队、载入中、完成、失败）",
    responses={404: {"description": "批次不存在"}},
)
def batch_state(
    batch_id: Id, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> dict[str, Any]:
    try:
        return batch_status(db, caller, batch_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get(
    "/ingest/batches/{batch_id}/rejected",
    response_class=FileResponse,
    summary="下载退回数据（含错误说明）",
    responses={200: {"description": REJECTED_DOWNLOAD_TEXT, "content": REJECTED_DOWNLOAD}},
)
def rejected_file(
    batch_id: Id, db: Session = Depends(get_db), caller: Caller = Depends(get_caller)
) -> FileResponse:
    try:
        path = rejected_file_for(db, caller, batch_id)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    db.commit()
    return FileResponse(path, filename=path.name)


@router.get("/quality", response_model=QualityOut, summary="各部门数据质量")
def quality(db: Session = Depends(get_db), caller: Caller = Depends(get_caller)) -> dict[str, Any]:
    entries = [e.as_dict() for e in quality_report(db)]
    return {"departments": entries, "total": len(entries)}
