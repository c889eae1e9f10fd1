from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, User
from xinyong.accounts.service import (
    AccountError,
    api_key_for,
    authenticate,
    create_api_key,
    create_department,
    create_user,
    open_session,
    user_for_session,
)
from xinyong.audit.log import Actor, verify_chain
from xinyong.audit.models import AuditEntry

ACTOR = Actor("cli:test", "local")


def _office(session: Session):  # type: ignore[no-untyped-def]
    import random

    from xinyong.demo.identities import IdentityMaker

    uscc = IdentityMaker(random.Random(1)).uscc("11", "440500")
    return create_department(session, ACTOR, uscc, "示范市发展和改革局", is_credit_office=True)


def test_password_is_stored_as_argon2_and_checked(session: Session) -> None:
    create_user(session, ACTOR, "clerk", "correct horse", "reviewer")
    stored = session.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2")
    assert "correct horse" not in stored
    assert authenticate(session, "clerk", "correct horse") is not None
    assert authenticate(session, "clerk", "wrong password") is None


def test_unknown_role_and_short_password_are_refused_in_chinese(session: Session) -> None:
    with pytest.raises(AccountError, match="角色"):
        create_user(session, ACTOR, "x", "long enough", "superuser")
    with pytest.raises(AccountError, match="至少"):
        create_user(session, ACTOR, "x", "short", "auditor")


def test_data_officer_needs_a_department(session: Session) -> None:
    with pytest.raises(AccountError, match="部门"):
        create_user(session, ACTOR, "officer", "long enough", "data_officer")


def test_login_session_resolves_to_user(session: Session) -> None:
    user = create_user(session, ACTOR, "clerk", "correct horse", "reviewer")
    token = open_session(session, user, "127.0.0.1")
    assert user_for_session(session, token) is user
    assert user_for_session(session, token + "x") is None


def test_api_key_is_hashed_scoped_and_owned_by_credit_office_by_default(session: Session) -> None:
    office = _office(session)
    issued = create_api_key(session, ACTOR, ["checks"])
    stored = session.execute(select(ApiKey)).scalar_one()
    assert issued.key not in (stored.key_hash, stored.prefix)
    assert stored.department_id == office.id
    assert stored.scopes == ["checks"]
    assert api_key_for(session, issued.key) is stored
    assert api_key_for(session, "xy_not-a-key") is None


def test_unknown_scope_is_refused(session: Session) -> None:
    _office(session)
    with pytest.raises(AccountError, match="权限范围"):
        create_api_key(session, ACTOR, ["everything"])


def test_invalid_department_code_is_refused(session: Session) -> None:
    with pytest.raises(AccountError, match="统一社会信用代码"):
        create_department(session, ACTOR, "91350100M000100Y4Z", "某局")


def test_every_account_change_is_audited(session: Session) -> None:
    _office(session)
    create_user(session, ACTOR, "clerk", "correct horse", "reviewer")
    create_api_key(session, ACTOR, ["read"])
    session.commit()
    actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    assert actions == ["department.create", "user.create", "apikey.create"]
    assert verify_chain(session)[1] == []
