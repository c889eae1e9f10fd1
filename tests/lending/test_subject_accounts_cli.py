"""Opening own-page accounts from the command line."""

from __future__ import annotations

from click.testing import CliRunner
from helpers import ACME, make_person_id, org
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.cli.main import cli
from xinyong.selfservice.models import SubjectAccount


def test_enterprise_and_citizen_accounts_from_the_cli(session: Session) -> None:
    firm = org(session, ACME)
    firm.legal_representative = "王建国"
    session.commit()
    runner = CliRunner()
    wrong = runner.invoke(
        cli,
        [
            "subject-accounts",
            "enterprise",
            "--uscc",
            ACME,
            "--representative",
            "李四",
            "--representative-id",
            make_person_id(3),
            "--password",
            "long-enough-1",
        ],
    )
    assert wrong.exit_code != 0 and "法定代表人“李四”与主体库" in wrong.output
    made = runner.invoke(
        cli,
        [
            "subject-accounts",
            "enterprise",
            "--uscc",
            ACME,
            "--representative",
            "王建国",
            "--representative-id",
            make_person_id(3),
            "--password",
            "long-enough-1",
        ],
    )
    assert made.exit_code == 0 and "otpauth://totp/" in made.output, made.output
    resident = make_person_id(4)
    citizen = runner.invoke(
        cli,
        [
            "subject-accounts",
            "citizen",
            "--resident-id",
            resident,
            "--name",
            "陈小明",
            "--password",
            "long-enough-1",
        ],
    )
    assert citizen.exit_code == 0, citizen.output
    session.expire_all()
    stored = session.execute(
        select(SubjectAccount).where(SubjectAccount.kind == "citizen")
    ).scalar_one()
    assert resident not in stored.login and len(stored.login) == 64  # the keyed hash only
