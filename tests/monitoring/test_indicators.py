"""Every monitoring indicator on a small city with known values (November 2026, a month
without holidays: 7 working days after Mon 2 November is Wed 11 November), and each value's
drill-down lists exactly the rows counted."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

import pytest
from helpers import org
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department
from xinyong.audit.log import Actor
from xinyong.catalog.registry import get_catalog
from xinyong.demo.facts import BUILDERS, DemoDepartment, DemoSubject
from xinyong.demo.identities import IdentityMaker
from xinyong.evaluation.tables import EvaluationGrade
from xinyong.ingest.models import Batch, CodeConflict
from xinyong.lists.models import ListRecognition
from xinyong.measures.models import CreditCheck, Feedback, JointTask
from xinyong.monitoring.board import board, drill
from xinyong.monitoring.compute import MonitoringError, compute_month
from xinyong.monitoring.models import MonitoringFollowup
from xinyong.monitoring.registry import indicator_versions
from xinyong.objections.models import Objection
from xinyong.permissions.policy import Principal
from xinyong.records.store import save_record
from xinyong.repair.models import RepairApplication
from xinyong.subjects.models import Subject

ACTOR = Actor("cli:test")
OFFICE = Principal("user:reviewer", kind="user", role="reviewer", credit_office=True)
MONTH = "2026-11"
_ids = IdentityMaker(random.Random(404))


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00")


class City:
    """Four enterprises, a market regulator, a tax bureau and the credit office."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rng = random.Random(1)
        self.market = self._department("示范市市场监督管理局", "示市监", "市场监督管理局")
        self.tax = self._department("示范市税务局", "示税", "税务局")
        self.office = self._department("示范市发展和改革局", "示发改", "发展和改革局", True)
        self.companies = [
            org(session, _ids.uscc("91", "440507"), f"示范市监测{n}有限公司") for n in range(4)
        ]
        self.records: dict[str, int] = {}

    def _department(self, name: str, prefix: str, kind: str, office: bool = False) -> Any:
        uscc = _ids.uscc("11", "440500")
        row = create_department(self.session, ACTOR, uscc, name, prefix, is_credit_office=office)
        row.demo = DemoDepartment(uscc, name, prefix, kind)
        return row

    def record(
        self,
        label: str,
        item: str,
        company: int,
        decided: date,
        department: Any,
        published: datetime | None = None,
        **overrides: Any,
    ) -> int:
        subject: Subject = self.companies[company]
        demo = DemoSubject("enterprise", subject.name, subject.uscc, None, "陈一鸣", None, "示范市")
        values = BUILDERS[item](self.rng, demo, department.demo, decided) | overrides
        saved = save_record(
            self.session,
            get_catalog().item(item),
            subject,
            values,
            department_id=department.id,
            published_at=published,
        )
        self.records[label] = saved.record.id
        return saved.record.id

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture
def city(session: Session) -> City:
    c = City(session)
    m, t = c.market, c.tax
    # Penalties: P1 on day 7 (on time), P2 on day 8 (late), P3 not published (late), P4 on
    # the day; an October penalty is not November's.
    c.record("P1", "admin_penalty", 0, date(2026, 11, 2), m, at("2026-11-11"))
    c.record("P2", "admin_penalty", 1, date(2026, 11, 2), m, at("2026-11-12"))
    c.record("P3", "admin_penalty", 2, date(2026, 11, 3), m, None)
    c.record("P4", "admin_penalty", 3, date(2026, 11, 5), t, at("2026-11-05", 16))
    c.record("P0", "admin_penalty", 0, date(2026, 10, 30), m, at("2026-11-02"))
    c.record("L1", "admin_license", 0, date(2026, 11, 2), m, at("2026-11-04"))
    # Lists: company 1 on the black list in November, company 2 on the red list, company 3
    # in the abnormal operation list since June.
    c.record("B1", "black_list", 1, date(2026, 11, 10), m, at("2026-11-10"))
    c.record("R1", "red_list", 2, date(2026, 3, 1), c.office, at("2026-03-01"))
    c.record("A1", "abnormal_operation", 3, date(2026, 6, 1), m, at("2026-06-01"))
    # Commitments ending in November: company 0 kept its word, company 1 broke it.
    c.record("CM1", "commitment", 0, date(2025, 11, 20), m, None)
    c.record("CM2", "commitment", 1, date(2025, 11, 25), m, None)
    breach = c.companies[1]
    save_record(
        c.session,
        get_catalog().item("commitment_breach"),
        breach,
        {
            "WN_BM": "440500202511250001",
            "WN_MC": breach.name,
            "WN_LB": "法人及非法人组织",
            "WN_SHXYM": breach.uscc,
            "WN_LX": "信用修复型",
            "WN_WLXNR": "未按承诺整改",
            "WN_ZJNR": "记入信用记录",
            "WN_RDRQ": "2026-09-01",
            "WN_RDJG": m.name,
            "WN_RDJGDM": m.uscc,
            "WN_SJLY": m.name,
            "WN_SJLYDM": m.uscc,
        },
        department_id=m.id,
    )
    # Batches: 19 of 20 rows accepted; a licence batch of October does not count.
    for total, accepted, finished in (
        (10, 9, "2026-11-03"),
        (10, 10, "2026-11-20"),
        (50, 0, "2026-10-31"),
    ):
        c.add(
            Batch(
                item="admin_penalty",
                department_id=m.id,
                submitted_by="cli:test",
                status="done",
                counts={"total": total, "accepted": accepted},
                finished_at=at(finished),
            )
        )
    # Code conflicts: C1 open (market class), C2 resolved in November, C3 open (code 1...).
    for kind, code, opened, resolved in (
        ("code_with_two_names", c.companies[0].uscc, "2026-11-05", None),
        ("name_with_two_codes", c.companies[1].uscc, "2026-10-01", "2026-11-10"),
        ("code_with_two_names", "12440500MB2C00000X", "2026-11-03", None),
    ):
        c.add(
            CodeConflict(
                kind=kind,
                code=code,
                name="某单位",
                department_id=m.id,
                opened_at=at(opened),
                resolved_at=at(resolved) if resolved else None,
                status="resolved" if resolved else "open",
            )
        )
    # Objections: decided in 4 and 9 working days (due on the 9th), one open past its due day
    # at the month's end, one of October.
    for n, (submitted, decided, due, state) in enumerate(
        (
            ("2026-11-02", "2026-11-06", "2026-11-09", "corrected"),
            ("2026-11-02", "2026-11-13", "2026-11-09", "confirmed"),
            ("2026-11-20", None, "2026-11-27", "accepted"),
            ("2026-10-20", "2026-10-23", "2026-10-27", "closed"),
        )
    ):
        c.add(
            Objection(
                tracking_code=f"YY2026110{n}",
                record_key="k",
                record_id=c.records["P1"],
                subject_id=c.companies[0].id,
                filer_kind="subject",
                filer_name="陈一鸣",
                grounds="error",
                description="有误",
                state=state,
                submitted_at=at(submitted),
                decided_at=at(decided) if decided else None,
                due_date=date.fromisoformat(due),
            )
        )
    # Repairs: approved in 10 working days (on its due day), rejected in 11 (late).
    for n, (decided, state) in enumerate((("2026-11-16", "approved"), ("2026-11-17", "rejected"))):
        c.add(
            RepairApplication(
                tracking_code=f"XF2026110{n}",
                record_key="k",
                record_id=c.records["P2"],
                subject_id=c.companies[1].id,
                applicant="陈一鸣",
                state=state,
                submitted_at=at("2026-11-02"),
                due_date=date(2026, 11, 16),
                decided_at=at(decided),
            )
        )
    # List recognitions: reported on the due day, a day late, never.
    for decided, due, reported in (
        ("2026-11-02", "2026-11-16", "2026-11-16"),
        ("2026-11-02", "2026-11-16", "2026-11-17"),
        ("2026-11-03", "2026-11-17", None),
    ):
        c.add(
            ListRecognition(
                list_type="black_list",
                subtype="严重违法失信企业名单",
                subject_id=c.companies[1].id,
                department_id=m.id,
                reasons="严重违法",
                basis="依据",
                state="published",
                decided_on=date.fromisoformat(decided),
                report_due=date.fromisoformat(due),
                reported_at=at(reported) if reported else None,
            )
        )
    # Joint tasks due in November: one with feedback, one without.
    for n, due in enumerate(("2026-11-10", "2026-11-20")):
        task = c.add(
            JointTask(
                initiator_id=c.office.id,
                implementer="示范市财政局",
                subject_id=c.companies[1].id,
                record_id=c.records["B1"],
                measure="M01",
                due_date=date.fromisoformat(due),
                state="done" if n == 0 else "open",
            )
        )
        if n == 0:
            c.add(
                Feedback(
                    task_id=task.id,
                    department_id=t.id,
                    measure="M01",
                    applied=True,
                    reason="已限制",
                )
            )
    # One graded company (saving records graded them all: the others' grades are taken away);
    # two credit checks in November, one in October.
    c.session.execute(
        delete(EvaluationGrade).where(EvaluationGrade.subject_id != c.companies[0].id)
    )
    graded = c.session.get(EvaluationGrade, (c.companies[0].id, "general_enterprise"))
    assert graded is not None
    graded.as_of = date(2026, 11, 22)
    for n, day in enumerate(("2026-11-03", "2026-11-30", "2026-10-31")):
        c.add(
            CreditCheck(
                id=f"check{n}",
                caller="apikey:x",
                department_id=m.id,
                matter="GP",
                purpose="政府采购",
                subjects=[],
                hits=0,
                answer={},
                created_at=at(day, 23 if n == 1 else 10),
            )
        )
    c.session.commit()
    return c


# indicator -> (value, numerator, denominator, rows of the numerator by label or None)
EXPECTED: dict[str, tuple[float | None, int, int]] = {
    "penalty_publicity_timeliness": (0.5, 2, 4),
    "licence_publicity_timeliness": (1.0, 1, 1),
    "dual_publicity_completeness": (0.95, 2, 2),  # rows: the two batches; value: 19/20 rows
    "dual_publicity_volume": (1.25, 5, 4),
    "code_error_rate_market": (0.25, 1, 4),
    "code_error_rate_public": (None, 1, 0),
    "code_error_rate_social": (None, 0, 0),
    "code_correction_rate": (round(1 / 3, 6), 1, 3),
    "objection_share": (round(3 / 11, 6), 3, 11),
    "objection_handling_days": (6.5, 2, 2),
    "objection_on_time": (0.5, 1, 2),
    "repair_handling_days": (10.5, 2, 2),
    "repair_on_time": (0.5, 1, 2),
    "repair_approval_share": (0.5, 1, 2),
    "serious_dishonesty_share": (0.25, 1, 4),
    "new_serious_dishonesty_share": (0.25, 1, 4),
    "red_list_share": (0.25, 1, 4),
    "abnormal_operation_share": (0.25, 1, 4),
    "list_reporting_timeliness": (round(1 / 3, 6), 1, 3),
    "commitment_fulfilment": (0.5, 1, 2),
    "joint_feedback_rate": (0.5, 1, 2),
    "graded_supervision_coverage": (0.25, 1, 4),
    "credit_check_use": (2.0, 2, 0),
    "overdue_objections": (1.0, 1, 0),
}


def test_every_indicator_is_tested() -> None:
    codes = {i.code for v in indicator_versions() for i in v.indicators}
    assert codes == set(EXPECTED)
    assert len(codes) >= 20


def test_each_indicator_has_its_known_value(session: Session, city: City) -> None:
    report = compute_month(session, ACTOR, MONTH)
    session.commit()
    got = {
        r["indicator"]: (r["value"], r["numerator"], r["denominator"]) for r in report["indicators"]
    }
    assert got == EXPECTED


def _ids_of(answer: dict[str, Any]) -> set[int | str]:
    return {r["id"] for r in answer["rows"]}


def test_drill_down_lists_exactly_the_rows_counted(session: Session, city: City) -> None:
    compute_month(session, ACTOR, MONTH)
    session.commit()
    r = city.records

    def rows(code: str, part: str = "numerator") -> set[int | str]:
        answer = drill(session, OFFICE, code, MONTH, part)
        assert answer["listed"] == answer["count"] or not answer["stored"]
        return _ids_of(answer)

    assert rows("penalty_publicity_timeliness") == {r["P1"], r["P4"]}
    assert rows("penalty_publicity_timeliness", "denominator") == {
        r[k] for k in ("P1", "P2", "P3", "P4")
    }
    assert rows("commitment_fulfilment") == {r["CM1"]}
    assert rows("dual_publicity_volume") == {r[k] for k in ("P1", "P2", "P3", "P4", "L1")}
    conflicts = drill(session, OFFICE, "code_error_rate_market", MONTH)["rows"]
    assert [c["code"] for c in conflicts] == [city.companies[0].uscc]
    serious = drill(session, OFFICE, "serious_dishonesty_share", MONTH)["rows"]
    assert [s["name"] for s in serious] == [city.companies[1].name]
    late_lists = drill(session, OFFICE, "list_reporting_timeliness", MONTH)["rows"]
    assert [x["reported_at"][:10] for x in late_lists] == ["2026-11-16"]
    handled = drill(session, OFFICE, "objection_handling_days", MONTH)["rows"]
    assert sorted(o["tracking_code"] for o in handled) == ["YY20261100", "YY20261101"]
    checks = drill(session, OFFICE, "credit_check_use", MONTH)["rows"]
    assert sorted(x["id"] for x in checks) == ["check0", "check1"]
    # A population denominator is listed by running its query again.
    population = drill(session, OFFICE, "serious_dishonesty_share", MONTH, "denominator")
    assert not population["stored"] and population["total_rows"] == 4
    with pytest.raises(MonitoringError, match="部分（part）“everything”不存在"):
        drill(session, OFFICE, "serious_dishonesty_share", MONTH, "everything")
    with pytest.raises(MonitoringError, match="尚未计算 2026-10"):
        drill(session, OFFICE, "serious_dishonesty_share", "2026-10")


def test_a_falling_indicator_opens_a_task_for_the_department_behind_it(
    session: Session, city: City
) -> None:
    compute_month(session, ACTOR, MONTH)
    session.commit()
    tasks = (
        session.execute(
            select(MonitoringFollowup).where(
                MonitoringFollowup.indicator == "penalty_publicity_timeliness"
            )
        )
        .scalars()
        .all()
    )
    # The market regulator published 1 of 3 on time; the tax bureau 1 of 1: only the first.
    assert [(t.department_id, t.month) for t in tasks] == [(city.market.id, MONTH)]
    assert "33.33%（1/3）" in tasks[0].reason and "未达到目标值 100.00%" in tasks[0].reason
    # Indicators without departments go to the one named responsible, at the credit office.
    repair = session.execute(
        select(MonitoringFollowup).where(MonitoringFollowup.indicator == "repair_on_time")
    ).scalar_one()
    assert repair.department == "信用办" and repair.department_id == city.office.id
    # Computing the month again opens nothing twice.
    again = compute_month(session, ACTOR, MONTH)
    assert again["followups_opened"] == 0


def test_the_board_keeps_a_12_month_series(session: Session, city: City) -> None:
    compute_month(session, ACTOR, "2026-10")
    compute_month(session, ACTOR, MONTH)
    session.commit()
    answer = board(session, OFFICE, MONTH)
    assert answer["months"][0] == "2025-12" and answer["months"][-1] == MONTH
    row = next(i for i in answer["indicators"] if i["code"] == "credit_check_use")
    assert row["series"][-2:] == [1.0, 2.0] and row["series"][0] is None
    assert row["previous"] == 1.0
    with pytest.raises(MonitoringError, match="不是 YYYY-MM 格式"):
        compute_month(session, ACTOR, "2026-13")
