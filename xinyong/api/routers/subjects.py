from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi import Depends, Header, HTTPException, Query
from sqlalchemy.orm import Session

from xinyong.api.deps import Caller, catalog_dep, get_caller, get_db
from xinyong.api.errors import api_router
from xinyong.api.params import Limit100, Offset
from xinyong.api.schemas import SubjectDetail, SubjectList
from xinyong.catalog.registry import Catalog
from xinyong.clock import today
from xinyong.subjects.access import SubjectNotFound, finds_persons, found_subjects, subject_view
from xinyong.subjects.service import SubjectError, search_subjects

router = api_router("信用主体")

PURPOSE_QUERY = Query(
    None, description="政务用户查看自然人身份证号码与记录时须说明用途（记入审计）"
)
PURPOSE_HEADER = Header(None, description="同 purpose（UTF-8 百分号编码）")


def _purpose(purpose: str | None, x_purpose: str | None) -> str | None:
    stated = purpose or (unquote(x_purpose) if x_purpose else None)
    return stated.strip() if stated and stated.strip() else None


@router.get("/subjects", response_model=SubjectList, summary="按名称片段或代码查找主体")
def search(
    q: str = Query(
        ..., description="名称片段（至少2个字）、统一社会信用代码或身份证号码", examples=["鸿泰"]
    ),
    limit: Limit100 = 20,
    offset: Offset = 0,
    purpose: str | None = PURPOSE_QUERY,
    x_purpose: str | None = PURPOSE_HEADER,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
) -> dict[str, Any]:
    try:
        subjects, total = search_subjects(
            db, q, include_persons=finds_persons(caller), limit=limit, offset=offset
        )
    except SubjectError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    items = found_subjects(db, caller, subjects, _purpose(purpose, x_purpose), q)
    db.commit()
    return {"items": items, "total": total}


@router.get("/subjects/{code}", response_model=SubjectDetail, summary="主体信用信息")
def detail(
    code: str,
    purpose: str | None = PURPOSE_QUERY,
    x_purpose: str | None = PURPOSE_HEADER,
    db: Session = Depends(get_db),
    caller: Caller = Depends(get_caller),
    catalog: Catalog = Depends(catalog_dep),
) -> dict[str, Any]:
    try:
        shown = subject_view(db, caller, code, catalog, today(), _purpose(purpose, x_purpose))
    except SubjectNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    db.commit()
    return shown
