from __future__ import annotations

from datetime import date, datetime, timedelta

from helpers import make_person_id, org, penalty_values, person, save_penalty
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.records.store import record_as_of, versions
from xinyong.records.views import Audience, subject_records

TODAY = date(2026, 11, 22)


def test_resending_is_unchanged_and_a_correction_is_a_new_version(session: Session) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), fine_wan="0.2")
    first = save_penalty(session, subject, values)
    assert first.outcome == "new"
    assert save_penalty(session, subject, dict(values)).outcome == "unchanged"
    corrected = values | {"CF_NR_FK": "0.3", "CF_NR": "罚款人民币3000元"}
    second = save_penalty(session, subject, corrected)
    assert second.outcome == "updated"
    assert second.record.version == 2
    history = versions(session, first.record.record_key)
    assert [(r.version, r.is_current) for r in history] == [(1, False), (2, True)]
    assert history[0].fields["CF_NR_FK"] == "0.2"


def test_what_did_the_record_say_on_a_date(session: Session) -> None:
    subject = org(session)
    values = penalty_values(subject, ["罚款"], date(2026, 5, 1), fine_wan="0.2")
    first = save_penalty(session, subject, values).record
    between = first.recorded_at + timedelta(microseconds=1)
    second = save_penalty(session, subject, values | {"CF_NR_FK": "0.5"}).record
    assert record_as_of(session, first.record_key, between) is first
    assert record_as_of(session, first.record_key, second.recorded_at) is second
    assert record_as_of(session, first.record_key, datetime(2000, 1, 1)) is None


def test_typed_columns_derive_from_the_catalog(session: Session) -> None:
    subject = org(session)
    record = save_penalty(
        session, subject, penalty_values(subject, ["罚款"], date(2026, 5, 1), fine_wan="0.2")
    ).record
    assert record.decision_date == date(2026, 5, 1)
    assert record.amount_yuan == 2000
    assert record.severity == "general"
    assert record.publicity_end == date(2027, 5, 1)


def _public_numbers(session: Session, subject_id: int) -> set[str]:
    rows = subject_records(session, subject_id, get_catalog(), Audience.public, TODAY)
    return {r.fields["CF_WSH"] for r in rows}


def test_public_view_follows_publicity_rules(session: Session) -> None:
    subject = org(session)
    decided = date(2026, 5, 1)
    cases = {
        "warning": penalty_values(subject, ["警告"], decided, "W1"),
        "fine": penalty_values(subject, ["罚款"], decided, "F1", fine_wan="0.2"),
        "ended": penalty_values(subject, ["罚款"], decided, "E1", "0.2", date(2026, 10, 1)),
        "old": penalty_values(subject, ["罚款"], date(2022, 1, 5), "O1", fine_wan="0.2"),
    }
    for values in cases.values():
        save_penalty(session, subject, values)
    save_penalty(
        session, subject, penalty_values(subject, ["罚款"], decided, "U1", "1"), published=False
    )
    assert _public_numbers(session, subject.id) == {"F1"}
    staff = subject_records(session, subject.id, get_catalog(), Audience.staff, TODAY)
    assert len(staff) == 5


def test_person_ids_inside_records_are_encrypted_at_rest(session: Session) -> None:
    resident_id = make_person_id(11)
    subject = person(session, resident_id)
    values = penalty_values(
        subject, ["罚款"], date(2026, 5, 1), "P1", "0.02", resident_id=resident_id
    )
    save_penalty(session, subject, values)
    session.commit()
    dump = " ".join(
        str(v) for row in session.execute(text("SELECT * FROM records")).all() for v in row
    )
    assert resident_id not in dump
    assert "enc:" in dump


def test_the_database_refuses_a_record_of_a_missing_subject(session: Session) -> None:
    import pytest
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from xinyong.records.layouts import ensure_layouts, layout_for
    from xinyong.records.models import Record

    ensure_layouts(session, [layout_for("admin_penalty", ())])
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Record).values(
                record_key="k" * 64,
                item="admin_penalty",
                subject_id=424242,
                status="active",
                stored_values=[],
                layout_id=layout_for("admin_penalty", ()),
                content_hash="c" * 64,
            )
        )
        session.flush()
