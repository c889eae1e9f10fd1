"""Government bodies of the demo city with government integrity records (政务诚信).

Eight bodies (district governments and bureaus), each showing one case: arrears to
enterprises overdue, partly settled, disputed, settled or not yet due; a broken investment
contract; failing to execute a court decision; a dishonest judgment debtor; a clean one.
Four civil servants carry integrity files. The bodies are graded under ``gov_integrity`` on
the demo day, so a credit check on them (matters GF, GK) applies the measures at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from xinyong.accounts.service import create_department
from xinyong.demo import vocabulary as v
from xinyong.demo.facts import DemoDepartment
from xinyong.evaluation.service import regrade_subjects
from xinyong.records.derive import values_frame
from xinyong.records.store import (
    IDENTITY,
    OUTCOME,
    SUBJECT_ID,
    prepare_records,
    subject_key,
    write_versions,
)
from xinyong.subjects.models import Subject
from xinyong.subjects.service import get_or_create_organization, get_or_create_person

if TYPE_CHECKING:
    from xinyong.demo.city import CityBuilder

BUREAUS = ("教育局", "交通运输局", "水务局", "城市管理局")
# (arrears: (days overdue on the demo day, share still unpaid, status)…, other items)
CASES: tuple[tuple[tuple[tuple[int, float, str], ...], tuple[str, ...]], ...] = (
    (((200, 1.0, "未清偿"), (45, 0.6, "部分清偿")), ("gov_court_nonexecution",)),
    (((75, 0.3, "部分清偿"),), ()),
    (((120, 1.0, "有分歧协调中"),), ()),
    (((90, 0.0, "已清偿"),), ()),
    (((-20, 1.0, "未清偿"),), ()),
    ((), ("gov_breach",)),
    ((), ("dishonest_judgment_debtor",)),
    ((), ()),
)
SUPPLIERS = ("示范市鸿泰建筑工程有限公司", "示范市安达信息技术有限公司", "示范市绿源园林有限公司")
FINDINGS = (
    ("政务处分", "违规干预招标投标活动，给予记过处分"),
    ("组织处理和问责", "拖欠企业工程款清欠工作不力，予以诫勉"),
    ("表彰奖励", "优化营商环境工作表现突出，予以嘉奖"),
    ("党纪处分", "违反中央八项规定精神，给予警告处分"),
)
GOVERNMENT_SUBJECTS = len(CASES) + len(FINDINGS)


def _arrears(
    rng: random.Random,
    body: Subject,
    d: DemoDepartment,
    today: date,
    case: tuple[int, float, str],
    supplier_code: str,
) -> dict[str, Any]:
    days, share, status = case
    payable = rng.randrange(20, 400) * 10_000
    first_overdue = today - timedelta(days=days - 1)
    values = {
        "QK_MC": body.name,
        "QK_SHXYM": body.uscc,
        "QK_ZQR": rng.choice(SUPPLIERS),
        "QK_ZQRDM": supplier_code,
        "QK_ZQRLX": "民营中小企业",
        "QK_HTBH": f"HT{today.year}{rng.randrange(10**6):06d}",
        "QK_HTMC": rng.choice(("校舍维修改造工程", "政务信息系统运维服务", "道路绿化养护服务")),
        "QK_KXLB": rng.choice(("工程款", "服务款")),
        "QK_YFJE": str(payable),
        "QK_WFJE": str(int(payable * share)),
        "QK_YQRQ": first_overdue.isoformat(),
        "QK_QCZT": status,
        "QK_QCJH": None if share == 0 else "纳入年度预算，分两期支付",
        "QK_DJRQ": (today - timedelta(days=rng.randrange(1, 30))).isoformat(),
        "QK_SJLY": d.name,
        "QK_SJLYDM": d.uscc,
    }
    if status == "已清偿":
        values["QK_QCRQ"] = (today - timedelta(days=10)).isoformat()
    return values


def _breach(rng: random.Random, body: Subject, d: DemoDepartment, today: date) -> dict[str, Any]:
    decided = today - timedelta(days=rng.randrange(30, 300))
    return {
        "WY_MC": body.name,
        "WY_SHXYM": body.uscc,
        "WY_LX": "违反招商引资合同",
        "WY_DF": "示范市新材料科技有限公司",
        "WY_SX": "未按招商引资协议约定兑现土地出让价款返还和设备补贴",
        "WY_RDJG": d.name,
        "WY_RDWH": f"{d.prefix}诚认〔{decided.year}〕{rng.randrange(1, 99)}号",
        "WY_RDRQ": decided.isoformat(),
        "WY_SJLY": d.name,
        "WY_SJLYDM": d.uscc,
    }


def _nonexecution(
    rng: random.Random, body: Subject, d: DemoDepartment, today: date
) -> dict[str, Any]:
    decided = today - timedelta(days=rng.randrange(30, 300))
    return {
        "ZX_MC": body.name,
        "ZX_SHXYM": body.uscc,
        "ZX_AH": f"（{decided.year}）粤05行执{rng.randrange(1, 999)}号",
        "ZX_ZXFY": d.name,
        "ZX_WS": f"（{decided.year - 1}）粤05行初{rng.randrange(1, 999)}号行政判决书",
        "ZX_YW": "支付征收补偿款及利息",
        "ZX_LXQK": "全部未履行",
        "ZX_LARQ": (decided - timedelta(days=60)).isoformat(),
        "ZX_RDRQ": decided.isoformat(),
        "ZX_SJLY": d.name,
        "ZX_SJLYDM": d.uscc,
    }


def _debtor(rng: random.Random, body: Subject, d: DemoDepartment, today: date) -> dict[str, Any]:
    published = today - timedelta(days=rng.randrange(30, 200))
    return {
        "SX_MC": body.name,
        "SX_LB": "法人及非法人组织",
        "SX_SHXYM": body.uscc,
        "SX_AH": f"（{published.year}）粤05执{rng.randrange(1, 999)}号",
        "SX_ZXFY": d.name,
        "SX_YJWH": f"（{published.year - 1}）粤05民初{rng.randrange(1, 999)}号",
        "SX_ZCDW": d.name,
        "SX_YW": "支付工程款1200000元",
        "SX_LXQK": "全部未履行",
        "SX_QX": "有履行能力而拒不履行生效法律文书确定义务",
        "SX_LARQ": (published - timedelta(days=90)).isoformat(),
        "SX_FBRQ": published.isoformat(),
        "SX_SJLY": d.name,
        "SX_SJLYDM": d.uscc,
    }


OTHER: dict[str, Callable[[random.Random, Subject, DemoDepartment, date], dict[str, Any]]] = {
    "gov_breach": _breach,
    "gov_court_nonexecution": _nonexecution,
    "dishonest_judgment_debtor": _debtor,
}
SOURCE_KIND = {
    "gov_arrears": "工业和信息化局",
    "gov_breach": "发展和改革局",
    "gov_court_nonexecution": "中级人民法院",
    "dishonest_judgment_debtor": "中级人民法院",
    "civil_servant_integrity": "人力资源和社会保障局",
}


def _bodies(builder: CityBuilder) -> list[Subject]:
    bodies = []
    for n in range(len(CASES)):
        region, district = v.DISTRICTS[n % len(v.DISTRICTS)]
        name = (
            f"{builder.city}{district}人民政府"
            if n < 4
            else f"{builder.city}{district}{BUREAUS[n % len(BUREAUS)]}"
        )
        uscc = builder.ids.uscc("11", region)
        bodies.append(get_or_create_organization(builder.session, uscc, name, "demo")[0])
    return bodies


def _civil_servant(
    builder: CityBuilder, body: Subject, d: DemoDepartment, finding: tuple[str, str]
) -> tuple[Subject, dict[str, Any]]:
    region = (body.uscc or "")[2:8]
    resident = builder.ids.resident_id(region)
    name = builder.ids.person_name()
    person = get_or_create_person(builder.session, resident, name, "demo")[0]
    decided = builder.today - timedelta(days=builder.rng.randrange(30, 500))
    kind, reason = finding
    values = {
        "GW_XM": name,
        "GW_ZJHM": resident,
        "GW_DW": body.name,
        "GW_DWDM": body.uscc,
        "GW_ZW": builder.rng.choice(("科长", "副局长", "四级主任科员")),
        "GW_LX": kind,
        "GW_SY": reason,
        "GW_JDJG": f"{builder.city}纪委监委" if kind != "表彰奖励" else f"{builder.city}人民政府",
        "GW_JDWH": f"示纪〔{decided.year}〕{builder.rng.randrange(1, 99)}号",
        "GW_JDRQ": decided.isoformat(),
        "GW_YXQZ": (decided + timedelta(days=365)).isoformat() if kind != "表彰奖励" else None,
        "GW_SJLY": d.name,
        "GW_SJLYDM": d.uscc,
    }
    return person, values


def load_government(builder: CityBuilder) -> tuple[int, int]:
    """Add the government bodies and civil servants with their records; returns (subjects,
    records) added. Runs after the departments exist."""
    rng, session, today = builder.rng, builder.session, builder.today
    uscc = builder.ids.uscc("11", v.CITY_REGION)
    name = f"{builder.city}工业和信息化局"
    created = create_department(session, builder.actor, uscc, name, "示工信")
    industry = DemoDepartment(uscc, name, "示工信", "工业和信息化局")
    builder.departments.append((industry, created.id, ("gov_arrears",)))
    by_kind = {d.kind: (d, i) for d, i, _ in builder.departments}
    rows: dict[str, list[tuple[Subject, dict[str, Any]]]] = {}
    bodies = _bodies(builder)
    for body, (arrears, others) in zip(bodies, CASES, strict=True):
        for case in arrears:
            supplier = builder.ids.uscc("91", v.CITY_REGION)
            values = _arrears(rng, body, industry, today, case, supplier)
            rows.setdefault("gov_arrears", []).append((body, values))
        for item in others:
            department = by_kind[SOURCE_KIND[item]][0]
            rows.setdefault(item, []).append((body, OTHER[item](rng, body, department, today)))
    hr = by_kind[SOURCE_KIND["civil_servant_integrity"]][0]
    for n, finding in enumerate(FINDINGS):
        rows.setdefault("civil_servant_integrity", []).append(
            _civil_servant(builder, bodies[n % 3], hr, finding)
        )
    session.flush()
    written = sum(_write(builder, item, found, by_kind) for item, found in rows.items())
    regrade_subjects(session, [b.id for b in bodies], "演示数据载入", as_of=today)
    return GOVERNMENT_SUBJECTS, written


def _write(
    builder: CityBuilder,
    item_code: str,
    found: list[tuple[Subject, dict[str, Any]]],
    by_kind: dict[str, tuple[DemoDepartment, int]],
) -> int:
    item = builder.catalog.item(item_code)
    department_id = by_kind[SOURCE_KIND[item_code]][1]
    frame = values_frame(item, [values for _, values in found]).with_columns(
        pl.Series(SUBJECT_ID, [s.id for s, _ in found]),
        pl.Series(IDENTITY, [subject_key(s) for s, _ in found]),
    )
    prepared = prepare_records(item, frame, department_id=department_id)
    written = write_versions(builder.session, prepared)
    return int((written[OUTCOME] != "unchanged").sum())
