from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from helpers import org, penalty_values, save_penalty
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.cli.main import cli
from xinyong.records.models import Record


def test_jobs_record_the_end_of_publicity(session: Session, db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    subject = org(session)
    save_penalty(
        session, subject, penalty_values(subject, ["罚款"], date(2026, 5, 1), "F", fine_wan="0.2")
    )
    save_penalty(
        session,
        subject,
        penalty_values(subject, ["罚款"], date(2026, 5, 1), "E", "0.2", date(2026, 6, 30)),
    )
    session.commit()
    monkeypatch.setenv("XINYONG_TODAY", "2026-11-22")
    from xinyong.settings import reset_settings

    reset_settings()
    result = CliRunner().invoke(cli, ["jobs", "run", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["expired"] == 1
    session.expire_all()
    statuses = {r.fields["CF_WSH"]: r.status for r in session.execute(select(Record)).scalars()}
    assert statuses == {"F": "active", "E": "expired"}
    again = CliRunner().invoke(cli, ["jobs", "run", "--json"])
    assert json.loads(again.output)["expired"] == 0
