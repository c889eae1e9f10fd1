"""The graph built from ingested records: edges, dates, versions, who sees what."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from graph_files import COMPANY, PERSON_ID, holding_row, officer_row, write_rows
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.audit.models import AuditEntry
from xinyong.catalog.registry import get_catalog
from xinyong.clock import utcnow
from xinyong.graph.build import rebuild
from xinyong.graph.models import GraphEdge
from xinyong.graph.service import control_answer, graph_answer, make_view
from xinyong.ingest.pipeline import ingest_file
from xinyong.permissions.policy import Principal
from xinyong.privacy.ids import get_protector

TODAY = date(2026, 11, 22)
ACTOR = Actor("cli:test")
PUBLIC = Principal.anonymous()
STAFF = Principal("user:reviewer", kind="user", role="reviewer", credit_office=True)


def load(session: Session, tmp_path: Path, item: str, rows: list[dict[str, Any]]) -> None:
    path = write_rows(tmp_path / f"{item}-{time.monotonic_ns()}.csv", rows)
    result = ingest_file(session, item, path, actor=ACTOR, today=TODAY)
    assert result.rejected == 0, result.as_dict()
    session.commit()


def graph(
    session: Session,
    code: str,
    viewer: Principal = STAFF,
    as_of: date | None = None,
    known_at: datetime | None = None,
    purpose: str | None = None,
    depth: int = 2,
) -> dict[str, Any]:
    view = make_view(viewer, get_catalog(), TODAY, as_of, known_at)
    return graph_answer(session, viewer, code, view, depth, purpose)


def control(session: Session, code: str, viewer: Principal = STAFF, **kw: Any) -> dict[str, Any]:
    view = make_view(viewer, get_catalog(), TODAY, kw.pop("as_of", None), None)
    return control_answer(session, viewer, code, view, **kw)


def holders(answer: dict[str, Any], target: str) -> set[str]:
    names = {n["id"]: n["name"] for n in answer["nodes"]}
    return {names[e["source"]] for e in answer["edges"] if e["target"] == target}


def test_a_two_level_chain_gives_the_penetrated_ratio_and_the_controller(
    session: Session, tmp_path: Path
) -> None:
    load(
        session,
        tmp_path,
        "shareholder",
        [
            holding_row(1, person=0, ratio="60"),
            holding_row(1, person=1, ratio="40"),
            holding_row(0, company=1, ratio="60"),
            holding_row(0, person=2, ratio="40"),
        ],
    )
    answer = control(session, COMPANY[0])
    shares = {h["name"]: h["share"] for h in answer["penetration"]}
    assert shares["股东0"] == pytest.approx(0.36, abs=1e-9)
    assert shares["股东1"] == pytest.approx(0.24, abs=1e-9)
    assert shares["股东2"] == pytest.approx(0.40, abs=1e-9)
    controller = answer["actual_controller"]
    assert controller["name"] == "股东0" and controller["basis"] == "control"
    assert controller["code"] == "4405**********" + PERSON_ID[0][-4:]
    path = controller["paths"][0]
    assert path["nodes"] == [controller["id"], COMPANY[1], COMPANY[0]]
    assert len(path["records"]) == 2
    owners = {o["name"]: o["basis"] for o in answer["beneficial_owners"]}
    assert owners == {"股东0": "share", "股东2": "share"}


def test_a_change_of_shareholder_shows_from_its_date(session: Session, tmp_path: Path) -> None:
    load(
        session,
        tmp_path,
        "shareholder",
        [holding_row(0, person=0, ratio="100", since="2020-01-01")],
    )
    time.sleep(0.01)
    before_change = utcnow()
    time.sleep(0.01)
    load(
        session,
        tmp_path,
        "shareholder",
        [
            holding_row(0, person=0, ratio="100", since="2020-01-01", until="2024-06-01"),
            holding_row(0, person=1, ratio="100", since="2024-06-01"),
        ],
    )
    code = COMPANY[0]
    assert holders(graph(session, code, as_of=date(2024, 5, 31)), code) == {"股东0"}
    assert holders(graph(session, code, as_of=date(2024, 6, 1)), code) == {"股东1"}
    assert holders(graph(session, code), code) == {"股东1"}
    # As the platform knew it before the change arrived: 股东0 without an end date.
    known = graph(session, code, as_of=date(2024, 7, 1), known_at=before_change)
    assert holders(known, code) == {"股东0"}
    assert control(session, code, as_of=date(2024, 5, 31))["actual_controller"]["name"] == "股东0"


def test_officers_and_the_legal_representative_are_edges(session: Session, tmp_path: Path) -> None:
    load(
        session,
        tmp_path,
        "key_personnel",
        [officer_row(0, 0, "执行董事", legal=True), officer_row(3, 0, "监事")],
    )
    answer = graph(session, COMPANY[0])
    kinds = sorted((e["kind"], e["role"]) for e in answer["edges"])
    assert kinds == [
        ("legal_representative", "法定代表人"),
        ("officer", "执行董事"),
        ("officer", "监事"),  # one person links the two companies
    ]
    assert {n["id"] for n in answer["nodes"]} >= {COMPANY[0], COMPANY[3]}


def test_persons_are_masked_unless_staff_state_a_purpose_which_is_audited(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "shareholder", [holding_row(0, person=0, ratio="100")])

    def person_codes(answer: dict[str, Any]) -> list[str]:
        return [n["code"] for n in answer["nodes"] if n["kind"] == "natural_person"]

    def reads() -> int:
        return session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "person.read")
        ).scalar_one()

    masked = "4405**********" + PERSON_ID[0][-4:]
    assert person_codes(graph(session, COMPANY[0], viewer=PUBLIC)) == [masked]
    unstated = graph(session, COMPANY[0])
    assert person_codes(unstated) == [masked] and unstated["purpose_required"]
    assert reads() == 0
    revealed = graph(session, COMPANY[0], purpose="核查股东身份")
    assert person_codes(revealed) == [PERSON_ID[0]]
    assert reads() == 1
    entry = session.execute(
        select(AuditEntry).where(AuditEntry.action == "person.read")
    ).scalar_one()
    assert entry.purpose == "核查股东身份"
    person = next(n for n in revealed["nodes"] if n["kind"] == "natural_person")
    assert entry.target_id == person["id"]
    # The person's own graph, by reference.
    assert graph(session, person["id"], viewer=PUBLIC)["subject"] == person["id"]


def test_the_public_cannot_look_back_at_earlier_versions() -> None:
    from xinyong.permissions.policy import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_view(PUBLIC, get_catalog(), TODAY, None, utcnow())


def test_ratios_from_amounts_when_none_is_stated(session: Session, tmp_path: Path) -> None:
    load(
        session,
        tmp_path,
        "shareholder",
        [
            holding_row(0, company=1, subscribed="510"),
            holding_row(0, name="Acme Ltd", subscribed="490"),
        ],
    )
    answer = graph(session, COMPANY[0])
    ratios = {e["source"]: (e["ratio"], e["ratio_derived"]) for e in answer["edges"]}
    assert ratios[COMPANY[1]] == (pytest.approx(0.51), True)
    assert control(session, COMPANY[0])["actual_controller"]["id"] == COMPANY[1]


def test_rebuild_gives_the_same_edges(session: Session, tmp_path: Path) -> None:
    load(session, tmp_path, "shareholder", [holding_row(0, person=0), holding_row(0, company=1)])
    load(session, tmp_path, "key_personnel", [officer_row(0, 0, "经理", legal=True)])

    def edges() -> list[tuple[Any, ...]]:
        rows = session.execute(
            select(GraphEdge.record_id, GraphEdge.kind, GraphEdge.source_key, GraphEdge.target_key)
        ).all()
        return sorted(tuple(r) for r in rows)

    built = edges()
    assert len(built) == 4
    assert rebuild(session) == 4
    assert edges() == built
    # the person is keyed by the keyed hash of the ID number, as in the subject database
    person = "person:" + get_protector().lookup_hash(PERSON_ID[0])
    assert sum(key == person for _, _, key, _ in built) == 3


def test_a_person_known_only_from_the_graph_is_found_by_id_number_by_staff_only(
    session: Session, tmp_path: Path
) -> None:
    from xinyong.subjects.access import SubjectNotFound

    load(session, tmp_path, "shareholder", [holding_row(0, person=4, ratio="100")])
    answer = graph(session, PERSON_ID[4])
    assert answer["subject"].startswith("P") and holders(answer, COMPANY[0]) == {"股东4"}
    with pytest.raises(SubjectNotFound):
        graph(session, PERSON_ID[4], viewer=PUBLIC)  # no resident-ID oracle for the public
