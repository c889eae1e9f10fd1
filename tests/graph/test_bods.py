"""``xinyong graph control --format bods``: BODS 0.4 statements whose structure holds (every
reference resolves, shares are percentages, persons by reference only)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from graph_files import COMPANY, PERSON_ID, company_name, holding_row, write_rows
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.cli.main import cli
from xinyong.graph.service import public_id
from xinyong.ingest.pipeline import ingest_file
from xinyong.privacy.ids import get_protector

COMMON = {
    "statementId",
    "declarationSubject",
    "statementDate",
    "publicationDetails",
    "recordId",
    "recordType",
    "recordStatus",
    "recordDetails",
}
INTEREST_TYPES = {"shareholding", "votingRights", "otherInfluenceOrControl"}


def _person_ref(n: int) -> str:
    return public_id("person:" + get_protector().lookup_hash(PERSON_ID[n]))


def _validate(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The structural rules of BODS 0.4 this export must keep; the parties by record id."""
    parties: dict[str, dict[str, Any]] = {}
    ids = set()
    for s in statements:
        assert set(s) == COMMON, s
        assert re.fullmatch(r"[0-9a-f]{64}", s["statementId"]) and s["statementId"] not in ids
        ids.add(s["statementId"])
        assert s["publicationDetails"]["bodsVersion"] == "0.4"
        assert s["publicationDetails"]["publisher"]["name"]
        date.fromisoformat(s["statementDate"])
        date.fromisoformat(s["publicationDetails"]["publicationDate"])
        assert s["recordStatus"] == "new" and s["recordDetails"]["isComponent"] is False
        details = s["recordDetails"]
        if s["recordType"] == "entity":
            assert details["entityType"]["type"] == "registeredEntity" and details["name"]
            parties[s["recordId"]] = s
        elif s["recordType"] == "person":
            assert details["personType"] == "knownPerson" and details["names"][0]["fullName"]
            parties[s["recordId"]] = s
        else:
            assert s["recordType"] == "relationship"
            # parties are stated before the relationships that name them
            assert details["subject"] in parties and details["interestedParty"] in parties
            assert parties[details["subject"]]["recordType"] == "entity"
            assert s["declarationSubject"] == details["subject"]
            for interest in details["interests"]:
                assert interest["type"] in INTEREST_TYPES
                assert interest["directOrIndirect"] in {"direct", "indirect"}
                assert isinstance(interest["beneficialOwnershipOrControl"], bool)
                if "share" in interest:
                    assert 0 <= interest["share"]["exact"] <= 100
    return parties


def test_bods_export_of_a_chain_and_a_partnership(session: Session, tmp_path: Path) -> None:
    rows = [
        holding_row(2, person=0, ratio="60", since="2020-01-01"),
        holding_row(2, person=1, ratio="40"),
        holding_row(1, company=2, ratio="60"),
        holding_row(1, person=1, ratio="40"),
        holding_row(0, company=1, ratio="60"),
        holding_row(0, person=1, ratio="40"),
        # a limited partnership run by its executive partner with 1%
        holding_row(3, company=4, ratio="1", partner="执行事务合伙人"),
        holding_row(3, person=2, ratio="99", partner="有限合伙人"),
    ]
    path = write_rows(tmp_path / "shareholder.csv", rows)
    ingest_file(session, "shareholder", path, actor=Actor("cli:test"), today=date(2026, 11, 22))
    session.commit()
    out = tmp_path / "bods.json"
    result = CliRunner().invoke(cli, ["graph", "control", "--format", "bods", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "BODS 声明" in result.output
    text = out.read_text(encoding="utf-8")
    assert not any(n in text for n in PERSON_ID) and "*" not in text  # by reference only
    statements = json.loads(text)
    parties = _validate(statements)
    assert parties[COMPANY[0]]["recordDetails"]["name"] == company_name(0)
    assert parties[COMPANY[0]]["recordDetails"]["identifiers"] == [
        {"id": COMPANY[0], "schemeName": "统一社会信用代码"}
    ]
    person = parties[_person_ref(0)]["recordDetails"]
    assert person["names"] == [{"type": "legal", "fullName": "股东0"}]
    assert person["identifiers"][0]["id"] == _person_ref(0)
    relations = {
        (s["recordDetails"]["interestedParty"], s["recordDetails"]["subject"]): s["recordDetails"]
        for s in statements
        if s["recordType"] == "relationship"
    }
    assert relations[(COMPANY[1], COMPANY[0])]["interests"] == [
        {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": False,
            "share": {"exact": 60.0},
        }
    ]
    assert relations[(_person_ref(0), COMPANY[2])]["interests"][0]["startDate"] == "2020-01-01"
    # person 0 controls company 0 through the chain: 21.6% of the shares, control of the votes
    indirect = [
        s["recordDetails"]
        for s in statements
        if s["recordType"] == "relationship" and s["recordId"] == f"{_person_ref(0)}>>{COMPANY[0]}"
    ]
    [controller] = indirect
    shares, votes = controller["interests"]
    assert shares["directOrIndirect"] == "indirect" and abs(shares["share"]["exact"] - 21.6) < 1e-9
    assert votes["type"] == "votingRights" and votes["beneficialOwnershipOrControl"] is True
    # person 1 holds 40% + 24% + 14.4% = 78.4% of company 0 after penetration
    owner = next(
        s["recordDetails"] for s in statements if s["recordId"] == f"{_person_ref(1)}>>{COMPANY[0]}"
    )
    assert abs(owner["interests"][0]["share"]["exact"] - 78.4) < 1e-9
    # the executive partner controls its partnership with 1%
    partner = relations[(COMPANY[4], COMPANY[3])]["interests"]
    assert [i["type"] for i in partner] == ["shareholding", "otherInfluenceOrControl"]
    assert partner[0]["share"] == {"exact": 1.0}
