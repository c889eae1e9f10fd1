"""Fill a database with a synthetic city: departments, staff, subjects and records.

Most subjects are clean; a few carry many penalties; some are on the black or red list.
Dual publicity records are already published. Loading uses bulk inserts.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from xinyong.accounts.service import create_department, create_user
from xinyong.audit.log import Actor, record_event
from xinyong.catalog.registry import Catalog
from xinyong.clock import utcnow
from xinyong.demo import vocabulary as v
from xinyong.demo.facts import BUILDERS, DemoDepartment, DemoSubject
from xinyong.demo.government import load_government
from xinyong.demo.identities import IdentityMaker
from xinyong.demo.ownership import OWNERSHIP_ITEMS, Firm, OwnershipBuilder, Person
from xinyong.graph.build import EDGE_ITEMS, add_edges
from xinyong.privacy.ids import get_protector
from xinyong.records.derive import values_frame
from xinyong.records.models import Record
from xinyong.records.store import (
    IDENTITY,
    OUTCOME,
    SUBJECT_ID,
    prepare_records,
    subject_key_of,
    write_versions,
)
from xinyong.subjects.classify import classify_subjects
from xinyong.subjects.models import Subject, SubjectName
from xinyong.subjects.service import person_columns

DEFAULT_SUBJECTS = 2000
DEMO_PASSWORD = "xinyong-demo"
CHUNK = 5000

# (department kind, document prefix, is credit office, items it sends)
DEPARTMENTS: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = (
    ("发展和改革局", "示发改", True, ("red_list", "integrity_honour")),
    (
        "市场监督管理局",
        "示市监",
        False,
        (
            "registration_basics",
            "admin_license",
            "admin_penalty",
            "abnormal_operation",
            "black_list",
            "admin_inspection",
            "commitment",
            *OWNERSHIP_ITEMS,
        ),
    ),
    ("税务局", "示税", False, ("tax_credit_grade", "admin_penalty", "black_list", "red_list")),
    ("生态环境局", "示环", False, ("admin_license", "admin_penalty", "admin_inspection")),
    ("应急管理局", "示应急", False, ("admin_penalty", "black_list", "admin_inspection")),
    ("住房和城乡建设局", "示建", False, ("admin_license", "admin_penalty", "admin_confirmation")),
    (
        "人力资源和社会保障局",
        "示人社",
        False,
        ("admin_penalty", "black_list", "social_insurance_arrears", "admin_benefit"),
    ),
    ("交通运输局", "示交", False, ("admin_license", "admin_penalty")),
    ("城市管理和综合执法局", "示城管", False, ("admin_penalty", "admin_enforcement", "admin_levy")),
    ("中级人民法院", "示法", False, ("dishonest_judgment_debtor",)),
    ("住房公积金管理中心", "示公积金", False, ("housing_fund",)),
    ("供水有限公司", "示水", False, ("utility_arrears",)),
)

# (item, share of eligible subjects that have it, most records per subject)
ORGANIZATION_ITEMS = (
    ("admin_penalty", 0.10, 40),
    ("admin_license", 0.30, 3),
    ("admin_inspection", 0.12, 3),
    ("black_list", 0.006, 2),
    ("red_list", 0.03, 1),
    ("abnormal_operation", 0.03, 1),
    ("tax_credit_grade", 0.30, 1),
    ("commitment", 0.05, 2),
    ("integrity_honour", 0.01, 1),
    ("dishonest_judgment_debtor", 0.008, 3),
    ("social_insurance_arrears", 0.01, 1),
    ("housing_fund", 0.05, 1),
    ("utility_arrears", 0.01, 1),
    ("admin_enforcement", 0.005, 1),
    ("admin_confirmation", 0.01, 1),
    ("admin_levy", 0.01, 1),
    ("admin_benefit", 0.005, 1),
)
PERSON_ITEMS = (
    ("admin_penalty", 0.05, 3),
    ("dishonest_judgment_debtor", 0.02, 2),
    ("black_list", 0.003, 1),
    ("integrity_honour", 0.005, 1),
)
KIND_MIX = (
    ("enterprise", 70),
    ("individual_business", 14),
    ("farmer_cooperative", 3),
    ("public_institution", 2),
    ("social_organization", 2),
    ("collective_economic_org", 1),
    ("natural_person", 8),
)
DEMO_USERS = (
    ("admin", "admin", "信用办管理员"),
    ("reviewer", "reviewer", "审核员"),
    ("auditor", "auditor", "审计员"),
    ("officer", "data_officer", "市场监管局报送员"),
)


class DemoError(RuntimeError):
    pass


@dataclass
class DemoResult:
    departments: int
    subjects: int
    records: int
    seconds: float


@dataclass
class _Planned:
    subject: DemoSubject
    subject_id: int
    identity: str


class CityBuilder:
    def __init__(self, session: Session, catalog: Catalog, city: str, today: date, seed: int):
        self.session = session
        self.catalog = catalog
        self.city = city
        self.today = today
        self.rng = random.Random(seed)
        self.ids = IdentityMaker(self.rng)
        self.actor = Actor("system:demo", "local")
        self.departments: list[tuple[DemoDepartment, int, tuple[str, ...]]] = []

    # -- departments and staff -------------------------------------------------------------
    def make_departments(self) -> None:
        for kind, prefix, is_office, items in DEPARTMENTS:
            category = "91" if kind.endswith("公司") else "11"
            uscc = self.ids.uscc(category, v.CITY_REGION)
            name = f"{self.city}{kind}"
            row = create_department(
                self.session, self.actor, uscc, name, prefix, is_credit_office=is_office
            )
            self.departments.append((DemoDepartment(uscc, name, prefix, kind), row.id, items))

    def make_users(self) -> None:
        market = next(d for d in self.departments if d[0].kind == "市场监督管理局")
        for username, role, label in DEMO_USERS:
            department = None
            if role == "data_officer":
                from xinyong.accounts.service import get_department

                department = get_department(self.session, market[0].uscc)
            create_user(self.session, self.actor, username, DEMO_PASSWORD, role, label, department)

    # -- subjects -----------------------------------------------------------------------------
    def _organization(self, kind: str) -> DemoSubject:
        region, district = self.ids.district()
        rep = self.ids.person_name()
        if kind == "enterprise":
            category, name = "91", self.ids.enterprise_name(self.city, district)
        elif kind == "individual_business":
            category, name = "92", self.ids.shop_name(district)
        elif kind == "farmer_cooperative":
            category, name = "93", self.ids.cooperative_name(self.city, district)
        elif kind == "public_institution":
            category, name = "12", self.ids.institution_name(self.city, district)
        elif kind == "social_organization":
            category, suffix = self.rng.choice(v.SOCIAL_ORG_TYPES)
            name = self.ids.social_org_name(self.city, suffix)
        else:
            category, name = self.rng.choice(("N2", "N3")), self.ids.collective_name(district)
        return DemoSubject(
            kind,
            name,
            self.ids.uscc(category, region),
            None,
            rep,
            self.ids.resident_id(region),
            self.ids.address(self.city, district),
            f"{region}{self.rng.randrange(10**9):09d}" if kind == "enterprise" else None,
        )

    def _person(self) -> DemoSubject:
        region, _ = self.ids.district()
        return DemoSubject(
            "natural_person",
            self.ids.person_name(),
            None,
            self.ids.resident_id(region),
            None,
            None,
            None,
        )

    def make_subjects(self, count: int) -> list[DemoSubject]:
        kinds = self.rng.choices([k for k, _ in KIND_MIX], [w for _, w in KIND_MIX], k=count)
        kinds[0] = "enterprise"
        return [self._person() if k == "natural_person" else self._organization(k) for k in kinds]

    def _subject_row(self, s: DemoSubject, now: datetime) -> dict[str, Any]:
        row: dict[str, Any] = {
            "kind": s.kind,
            "uscc": s.uscc,
            "name": s.name,
            "legal_representative": s.legal_rep,
            "address": s.address,
            "created_at": now,
            "updated_at": now,
            "person_hash": None,
            "person_id_enc": None,
            "person_id_masked": None,
            "registration_number": s.registration_number,
            "registered_on": None,
        }
        if s.resident_id:
            row.update(person_columns(s.resident_id), region=s.resident_id[:6])
        else:
            assert s.uscc is not None
            row["region"] = s.uscc[2:8]
        return row

    def load_subjects(
        self, subjects: list[DemoSubject], tick: Callable[[int], None]
    ) -> list[_Planned]:
        now = utcnow()
        for chunk in _chunks(subjects, CHUNK):
            self.session.execute(insert(Subject), [self._subject_row(s, now) for s in chunk])
            tick(len(chunk))
        rows = self.session.execute(select(Subject.id, Subject.uscc, Subject.person_hash)).all()
        by_uscc = {r.uscc: (r.id, r.person_hash) for r in rows if r.uscc}
        protector = get_protector()
        planned = []
        for s in subjects:
            if s.uscc:
                sid, _ = by_uscc[s.uscc]
                planned.append(_Planned(s, sid, subject_key_of(s.uscc, None)))
            else:
                assert s.resident_id is not None
                digest = protector.lookup_hash(s.resident_id)
                sid = self.session.execute(
                    select(Subject.id).where(Subject.person_hash == digest)
                ).scalar_one()
                planned.append(_Planned(s, sid, subject_key_of(None, digest)))
        names = [
            {
                "subject_id": p.subject_id,
                "name": p.subject.name,
                "first_seen": now,
                "last_seen": now,
                "source": "demo",
            }
            for p in planned
        ]
        for chunk in _chunks(names, CHUNK):
            self.session.execute(insert(SubjectName), chunk)
        return planned

    # -- records ------------------------------------------------------------------------------
    def _issuer(self, item: str) -> tuple[DemoDepartment, int]:
        choices = [(d, i) for d, i, items in self.departments if item in items]
        return self.rng.choice(choices)

    def _count(self, share: float, most: int) -> int:
        if self.rng.random() >= share:
            return 0
        return min(most, int(self.rng.paretovariate(1.2)))

    def _decided(self, earliest_days: int = 4 * 365) -> date:
        return self.today - timedelta(days=self.rng.randrange(1, earliest_days))

    def _published(self, item: str, decided: date) -> datetime | None:
        if not self.catalog.item(item).publicity.requires_publication:
            return None
        if decided > self.today - timedelta(days=5) and self.rng.random() < 0.5:
            return None  # waiting for review
        return datetime.combine(decided + timedelta(days=self.rng.randrange(1, 6)), time(10))

    def _plan_for(self, p: _Planned) -> list[tuple[str, date]]:
        plan: list[tuple[str, date]] = []
        if p.subject.kind == "natural_person":
            for code, share, most in PERSON_ITEMS:
                plan += [(code, self._decided()) for _ in range(self._count(share, most))]
            return plan
        plan.append(("registration_basics", self._decided(20 * 365)))
        for code, share, most in ORGANIZATION_ITEMS:
            if code == "tax_credit_grade" and p.subject.kind != "enterprise":
                continue
            plan += [(code, self._decided()) for _ in range(self._count(share, most))]
        return plan

    def _values_for(self, p: _Planned) -> Iterator[tuple[str, dict[str, Any]]]:
        for item_code, decided in self._plan_for(p):
            department, department_id = self._issuer(item_code)
            values = BUILDERS[item_code](self.rng, p.subject, department, decided)
            values.update(
                {
                    SUBJECT_ID: p.subject_id,
                    IDENTITY: p.identity,
                    "_department_id": department_id,
                    "_published_at": self._published(item_code, decided),
                }
            )
            yield item_code, values

    def _flush(self, item_code: str, rows: list[dict[str, Any]]) -> int:
        item = self.catalog.item(item_code)
        frame = values_frame(item, rows).with_columns(
            pl.Series(SUBJECT_ID, [r[SUBJECT_ID] for r in rows]),
            pl.Series(IDENTITY, [r[IDENTITY] for r in rows]),
            pl.Series("_department_id", [r["_department_id"] for r in rows]),
            pl.Series("_published_at", [r["_published_at"] for r in rows], dtype=pl.Datetime("us")),
        )
        prepared = prepare_records(item, frame, department_id=None)
        prepared = prepared.unique(subset="record_key", keep="first", maintain_order=True)
        written = write_versions(self.session, prepared)
        return int((written[OUTCOME] != "unchanged").sum())

    def load_records(self, planned: list[_Planned], tick: Callable[[int], None]) -> int:
        total = 0
        pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in planned:
            for item_code, values in self._values_for(p):
                pending[item_code].append(values)
                if len(pending[item_code]) >= CHUNK:
                    total += self._flush(item_code, pending.pop(item_code))
            tick(1)
        for item_code, rows in pending.items():
            total += self._flush(item_code, rows)
        return total

    def load_ownership(self, owners: OwnershipBuilder, planned: list[_Planned]) -> int:
        """Shareholders, officers, changes and annual reports of the enterprises, then the
        relationship graph's edges."""
        firms = [Firm(p.subject, p.subject_id, p.identity) for p in planned]
        firms = [f for f in firms if f.subject.kind == "enterprise"]
        persons = [p.subject for p in planned if p.subject.kind == "natural_person"]
        owners.plan(firms, [Person(s.name, str(s.resident_id)) for s in persons])
        market, market_id, _ = next(d for d in self.departments if d[0].kind == "市场监督管理局")
        total = 0
        for item_code, rows in owners.rows(firms, market, market_id).items():
            for chunk in _chunks(rows, CHUNK):
                total += self._flush(item_code, chunk)
        add_edges(self.session, Record.item.in_(EDGE_ITEMS))
        return total


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _no_progress(_label: str, _total: int) -> Callable[[int], None]:
    return lambda _done: None


def database_is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(Subject)).scalar_one() == 0


def build_city(
    session: Session,
    catalog: Catalog,
    city: str,
    today: date,
    subjects: int = DEFAULT_SUBJECTS,
    seed: int = 20261122,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
) -> DemoResult:
    """Load the demo city into an empty database (in the caller's transaction)."""
    if not database_is_empty(session):
        raise DemoError("数据库中已有主体数据，演示数据未重复加载")
    started = datetime.now()
    progress = progress or _no_progress
    builder = CityBuilder(session, catalog, city, today, seed)
    builder.make_departments()
    builder.make_users()
    people = builder.make_subjects(subjects)
    owners = OwnershipBuilder(seed + 21, builder.ids, city, today)
    people = owners.with_partnerships(people, max(1, subjects // 500))
    planned = builder.load_subjects(people, progress("载入主体", len(people)))
    records = builder.load_records(planned, progress("生成信用记录", len(planned)))
    records += builder.load_ownership(owners, planned)
    government, government_records = load_government(builder)
    records += government_records
    classify_subjects(session)  # industry and district from the registration records
    seconds = (datetime.now() - started).total_seconds()
    result = DemoResult(len(builder.departments), len(people) + government, records, seconds)
    record_event(
        session,
        builder.actor,
        "demo.load",
        "database",
        "demo",
        detail={"subjects": result.subjects, "records": result.records, "city": city},
    )
    return result
