"""Small builders shared by tests."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.records.store import SaveResult, save_record
from xinyong.subjects.models import Subject
from xinyong.subjects.service import get_or_create_organization, get_or_create_person

AUTHORITY = IdentityMaker(random.Random(99)).uscc("11", "440500")
ACME = "914405007080295548"


def make_person_id(rng_seed: int = 7) -> str:
    return IdentityMaker(random.Random(rng_seed)).resident_id("440507", date(1980, 1, 1))


def org(session: Session, uscc: str = ACME, name: str = "示范市鸿泰贸易有限公司") -> Subject:
    return get_or_create_organization(session, uscc, name, "test")[0]


def person(session: Session, resident_id: str, name: str = "陈小明") -> Subject:
    return get_or_create_person(session, resident_id, name, "test")[0]


def penalty_values(
    subject: Subject,
    categories: list[str],
    decided: date,
    number: str = "示市监罚〔2026〕1号",
    fine_wan: str | None = None,
    explicit_end: date | None = None,
    resident_id: str | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "CF_XDR_MC": subject.name,
        "CF_WSH": number,
        "CF_WFXW": "未按规定明码标价",
        "CF_SY": "经查，当事人未按规定明码标价。",
        "CF_YJ": "《价格法》第四十二条",
        "CF_CFLB": categories,
        "CF_NR": "、".join(categories),
        "CF_JDRQ": decided.isoformat(),
        "CF_YXQ": decided.isoformat(),
        "CF_CFJG": "示范市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "示范市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    if resident_id:
        values |= {"CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": resident_id}
    else:
        values |= {"CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": subject.uscc}
    if fine_wan:
        values["CF_NR_FK"] = fine_wan
    if explicit_end:
        values["CF_GSJZQ"] = explicit_end.isoformat()
    return values


def save_penalty(
    session: Session, subject: Subject, values: dict[str, Any], published: bool = True
) -> SaveResult:
    return save_record(
        session,
        get_catalog().item("admin_penalty"),
        subject,
        values,
        department_id=None,
        published_at=datetime(2026, 5, 2, 10) if published else None,
    )
