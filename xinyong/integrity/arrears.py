"""Government arrears to enterprises (政府机构拖欠企业账款): amounts, ages, settlement progress.

Reads the current versions of ``gov_arrears`` records (a settlement is reported as a new
version of the same contract's record). Age: calendar days since the first overdue day
(``QK_YQRQ``); an arrear is overdue from that day on, unless settled. Progress: the share of
the payable amount paid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.permissions import authorize
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

ITEM = "gov_arrears"
SETTLED = "已清偿"
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "未到期"),
    (30, "逾期30日以内"),
    (90, "逾期31至90日"),
    (180, "逾期91至180日"),
    (365, "逾期181日至1年"),
)
OLDEST_BAND = "逾期1年以上"


def age_band(days_overdue: int | None) -> str:
    """The age band of an arrear overdue for ``days_overdue`` days (None: not yet due)."""
    if days_overdue is None:
        return AGE_BANDS[0][1]
    for limit, label in AGE_BANDS[1:]:
        if days_overdue <= limit:
            return label
    return OLDEST_BAND


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


@dataclass
class Arrear:
    record_id: int
    body: str
    body_code: str | None
    creditor: str
    creditor_type: str | None
    contract: str
    project: str | None
    kind: str | None
    payable: Decimal
    unpaid: Decimal
    paid: Decimal
    progress: float  # share of the payable amount paid, 0..1
    overdue_from: date | None
    days_overdue: int | None  # None: settled, or not yet due
    band: str
    status: str
    settled_on: str | None
    plan: str | None


@dataclass
class BodyTotal:
    body: str
    body_code: str | None
    contracts: int = 0
    open_contracts: int = 0
    overdue_contracts: int = 0
    payable: Decimal = Decimal(0)
    unpaid: Decimal = Decimal(0)
    oldest_days: int | None = None

    @property
    def progress(self) -> float:
        return float((self.payable - self.unpaid) / self.payable) if self.payable else 1.0


@dataclass
class ArrearsView:
    as_of: date
    arrears: list[Arrear] = field(default_factory=list)
    bodies: list[BodyTotal] = field(default_factory=list)
    bands: dict[str, Decimal] = field(default_factory=dict)  # unpaid amount per age band

    @property
    def unpaid(self) -> Decimal:
        return sum((a.unpaid for a in self.arrears), Decimal(0))

    @property
    def payable(self) -> Decimal:
        return sum((a.payable for a in self.arrears), Decimal(0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "payable": self.payable,
            "unpaid": self.unpaid,
            "bands": self.bands,
            "bodies": [asdict(b) | {"progress": round(b.progress, 4)} for b in self.bodies],
            "arrears": [asdict(a) for a in self.arrears],
        }


def _arrear(record: Record, subject: Subject, today: date) -> Arrear:
    values = record.fields
    payable, unpaid = _amount(values.get("QK_YFJE")), _amount(values.get("QK_WFJE"))
    status = str(values.get("QK_QCZT") or "")
    settled = status == SETTLED or unpaid <= 0
    overdue_from = record.valid_from
    days = (
        (today - overdue_from).days + 1
        if overdue_from is not None and not settled and overdue_from <= today
        else None
    )
    paid = max(payable - unpaid, Decimal(0))
    return Arrear(
        record_id=record.id,
        body=subject.name,
        body_code=subject.uscc,
        creditor=str(values.get("QK_ZQR") or ""),
        creditor_type=values.get("QK_ZQRLX"),
        contract=str(values.get("QK_HTBH") or ""),
        project=values.get("QK_HTMC"),
        kind=values.get("QK_KXLB"),
        payable=payable,
        unpaid=Decimal(0) if settled else unpaid,
        paid=payable if settled else paid,
        progress=1.0 if settled or not payable else float(paid / payable),
        overdue_from=overdue_from,
        days_overdue=days,
        band="已清偿" if settled else age_band(days),
        status=status,
        settled_on=values.get("QK_QCRQ"),
        plan=values.get("QK_QCJH"),
    )


def government_arrears(
    session: Session,
    actor: Actor,
    today: date,
    *,
    body: str | None = None,
    open_only: bool = False,
) -> ArrearsView:
    """Every government body's arrears on ``today``, the oldest overdue first; ``body``: one
    body's (USCC or part of its name); ``open_only``: leave settled ones out."""
    authorize(actor, "integrity.read_arrears")
    query = (
        select(Record, Subject)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.item == ITEM, Record.is_current.is_(True), Record.status == "active")
    )
    if body:
        query = query.where((Subject.uscc == body.strip().upper()) | Subject.name.contains(body))
    view = ArrearsView(today)
    totals: dict[int, BodyTotal] = {}
    for record, subject in session.execute(query).all():
        arrear = _arrear(record, subject, today)
        if open_only and arrear.band == "已清偿":
            continue
        view.arrears.append(arrear)
        total = totals.setdefault(subject.id, BodyTotal(subject.name, subject.uscc))
        total.contracts += 1
        total.payable += arrear.payable
        total.unpaid += arrear.unpaid
        total.open_contracts += arrear.unpaid > 0
        if arrear.days_overdue is not None:
            total.overdue_contracts += 1
            total.oldest_days = max(total.oldest_days or 0, arrear.days_overdue)
        view.bands[arrear.band] = view.bands.get(arrear.band, Decimal(0)) + arrear.unpaid
    view.arrears.sort(key=lambda a: (-(a.days_overdue or -1), -a.unpaid, a.record_id))
    view.bodies = sorted(totals.values(), key=lambda t: (-t.unpaid, t.body))
    return view
