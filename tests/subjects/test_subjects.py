from __future__ import annotations

from helpers import make_person_id, org, person
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from xinyong.subjects.models import Subject
from xinyong.subjects.service import find_subject, name_history, rename_subject, search_subjects


def test_kind_derives_from_uscc_category(session: Session) -> None:
    assert org(session).kind == "enterprise"
    assert org(session, "12440000455860736B", "某事业单位").kind == "public_institution"


def test_person_id_is_neither_stored_nor_searchable_in_clear(session: Session) -> None:
    resident_id = make_person_id()
    subject = person(session, resident_id)
    session.commit()
    dump = " ".join(
        str(value) for row in session.execute(text("SELECT * FROM subjects")).all() for value in row
    )
    assert resident_id not in dump
    assert subject.person_id_masked == resident_id[:4] + "*" * 10 + resident_id[-4:]
    assert find_subject(session, resident_id) is subject
    assert find_subject(session, resident_id.lower()) is subject


def test_person_lookup_by_opaque_reference(session: Session) -> None:
    from xinyong.subjects.service import person_ref

    subject = person(session, make_person_id())
    ref = person_ref(subject)
    assert ref.startswith("P") and len(ref) == 21
    assert find_subject(session, ref) is subject


def test_names_keep_their_history(session: Session) -> None:
    subject = org(session)
    rename_subject(session, subject, "示范市鸿泰实业有限公司", "市场监管局变更登记")
    assert subject.name == "示范市鸿泰实业有限公司"
    assert [n.name for n in name_history(session, subject)] == [
        "示范市鸿泰贸易有限公司",
        "示范市鸿泰实业有限公司",
    ]
    found, total = search_subjects(session, "鸿泰贸易", include_persons=False)
    assert total == 1 and found[0] is subject


def test_search_by_fragment_code_and_public_persons_hidden(session: Session) -> None:
    org(session)
    person(session, make_person_id(), "陈鸿泰")
    session.commit()
    found, total = search_subjects(session, "鸿泰", include_persons=False)
    assert total == 1 and found[0].uscc == "914405007080295548"
    _, staff_total = search_subjects(session, "鸿泰", include_persons=True)
    assert staff_total == 2
    by_code, _ = search_subjects(session, " ９１４４０５００７０８０２９５５４８ ", False)
    assert by_code[0].uscc == "914405007080295548"


def test_one_character_fragment_is_refused_in_chinese(session: Session) -> None:
    import pytest

    from xinyong.subjects.service import SubjectError

    with pytest.raises(SubjectError, match="至少需要2个字"):
        search_subjects(session, "鸿", include_persons=False)


def test_same_code_is_one_subject(session: Session) -> None:
    first = org(session)
    second = org(session, name="别的名称")
    assert first is second
    assert session.execute(select(Subject)).scalars().all() == [first]
