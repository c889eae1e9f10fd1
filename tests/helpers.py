"""Small builders shared by tests."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

from xinyong.accounts.service import create_api_key, create_department, create_user
from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.identities import IdentityMaker
from xinyong.records.store import SaveResult, save_record
from xinyong.subjects.models import Subject
from xinyong.subjects.service import get_or_create_organization, get_or_create_person

T = TypeVar("T")

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


def staff_headers(session: Session, scopes: list[str]) -> dict[str, str]:
    department = create_department(
        session, Actor("cli:test"), AUTHORITY, "示范市发展和改革局", is_credit_office=True
    )
    key = create_api_key(session, Actor("cli:test"), scopes, department).key
    session.commit()
    return {"X-API-Key": key}


def repair_commitment(session: Session, subject: Subject) -> None:
    item = get_catalog().item("commitment")
    save_record(
        session,
        item,
        subject,
        {
            "CN_BM": "44050020260601000001",
            "CN_RLB": "法人及非法人组织",
            "CN_RMC": subject.name,
            "CN_RDM": subject.uscc,
            "CN_LX": "信用修复型",
            "CN_SY": "申请信用修复",
            "CN_NR": "已纠正违法行为并履行全部义务",
            "CN_WNZR": "承担法律责任",
            "CN_RQ": "2026-08-01",
            "CN_YXQ": "2027-08-01",
            "CN_SLDW": "示范市发展和改革局",
            "CN_SLDWDM": AUTHORITY,
            "CN_GKLX": "可向社会公开",
        },
        department_id=None,
    )
    session.commit()


def black_list_entry(session: Session, subject: Subject, until: str) -> None:
    save_record(
        session,
        get_catalog().item("black_list"),
        subject,
        {
            "HM_MC": subject.name,
            "HM_LB": "法人及非法人组织",
            "HM_SHXYM": subject.uscc,
            "HM_MDLX": "重大税收违法失信主体",
            "HM_RDWH": "示税失信认〔2025〕1号",
            "HM_RDYY": "虚开增值税专用发票",
            "HM_RDYJ": "《重大税收违法失信主体信息公布管理办法》",
            "HM_RDJG": "示范市税务局",
            "HM_RDJGDM": AUTHORITY,
            "HM_RDRQ": "2025-12-01",
            "HM_YXQZ": until,
            "HM_SJLY": "示范市税务局",
            "HM_SJLYDM": AUTHORITY,
        },
        department_id=None,
    )
    session.commit()


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion on a fresh event loop in its own thread (the browser
    tests' Playwright keeps a loop running in the main thread, where asyncio.run refuses)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no form with a CSRF token"
    return found.group(1)


def workbench_login(client: TestClient, session: Session, role: str) -> None:
    """Create a staff user named after ``role`` and sign it in to the workbench."""
    create_user(session, Actor("cli:test"), role, "long-enough-1", role, f"测试{role}")
    session.commit()
    form = client.get("/workbench/login").text
    done = client.post(
        "/workbench/login",
        data={"username": role, "password": "long-enough-1", "csrf_token": csrf_token(form)},
    )
    assert done.status_code == 200 and "待办事项" in done.text


# -- government integrity ------------------------------------------------------------------
BUREAU = IdentityMaker(random.Random(21)).uscc("11", "440500")
SUPPLIER = "914405007080295548"


def arrears_values(
    body: Subject, contract: str, overdue_from: str, unpaid: str, status: str = "未清偿"
) -> dict[str, Any]:
    values = {
        "QK_MC": body.name,
        "QK_SHXYM": body.uscc,
        "QK_ZQR": "示范市鸿泰贸易有限公司",
        "QK_ZQRDM": SUPPLIER,
        "QK_ZQRLX": "民营中小企业",
        "QK_HTBH": contract,
        "QK_HTMC": "办公楼维修工程",
        "QK_KXLB": "工程款",
        "QK_YFJE": "800000",
        "QK_WFJE": unpaid,
        "QK_YQRQ": overdue_from,
        "QK_QCZT": status,
        "QK_DJRQ": "2026-10-10",
        "QK_SJLY": "示范市工业和信息化局",
        "QK_SJLYDM": AUTHORITY,
    }
    if status == "已清偿":
        values["QK_QCRQ"] = "2026-12-01"
    return values


def save_arrears(session: Session, body: Subject, **kw: Any) -> None:
    item = get_catalog().item("gov_arrears")
    save_record(session, item, body, arrears_values(body, **kw), department_id=None)
    session.commit()
