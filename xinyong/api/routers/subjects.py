from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.schemas import SubjectDetail, SubjectList
from xinyong.audit.log import record_event
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.subjects.service import (
    NATURAL_PERSON,
    SubjectError,
    find_subject,
    search_subjects,
    subject_ref,
)
from xinyong.subjects.views import subject_detail, subject_summary

router = APIRouter(prefix="/api/v1", tags=["信用主体"])


@router.get("/subjects", response_model=SubjectList, summary="按名称片段或代码查找主体")
def search(
    q: str = Query(
        ..., description="名称片段（至少2个字）、统一社会信用代码或身份证号码", examples=["鸿泰"]
    ),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    try:
        subjects, total = search_subjects(
            db, q, include_persons=caller.is_staff, limit=limit, offset=offset
        )
    except SubjectError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return {"items": [subject_summary(s, caller.audience) for s in subjects], "total": total}


@router.get("/subjects/{code}", response_model=SubjectDetail, summary="主体信用信息")
def detail(
    code: str,
    purpose: str | None = Query(None, description="政务用户查询自然人时须说明用途"),
    x_purpose: str | None = Header(None, description="同 purpose（UTF-8 百分号编码）"),
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    subject = find_subject(db, code)
    if subject is None:
        raise HTTPException(status_code=404, detail=f"未找到代码为“{code}”的主体")
    if caller.is_staff and subject.kind == NATURAL_PERSON:
        stated = purpose or (unquote(x_purpose) if x_purpose else None)
        if not stated:
            raise HTTPException(
                status_code=400,
                detail="查询自然人信用记录须说明用途（purpose 参数或 X-Purpose 请求头）",
            )
        record_event(
            db, caller.actor, "person.read", "subject", subject_ref(subject), purpose=stated
        )
        db.commit()
    return subject_detail(db, subject, catalog, caller.audience, today())
