"""Registration data builds the subject's profile (legal representative, address, founding
date) that the subject page and reports show."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from xinyong.catalog.schema import CatalogItem
from xinyong.subjects.models import Subject

WIDTHS = {"legal_representative": 100, "address": 300}  # the subjects table's columns


def profile_fields(item: CatalogItem) -> list[str]:
    mapping = item.subject
    return [c for c in (mapping.legal_representative, mapping.address, mapping.founded) if c]


def remember_profiles(
    session: Session, item: CatalogItem, orgs: pl.DataFrame, org_ids: pl.DataFrame
) -> None:
    """Registration data builds the subject's profile: its legal representative, address and
    founding date from the latest registration record loaded (the record's versions keep the
    history). ``orgs``: the rows by organisation ``code``; ``org_ids``: each code's ``sid``."""
    mapping = item.subject
    fields = {
        "legal_representative": mapping.legal_representative,
        "address": mapping.address,
        "registered_on": mapping.founded,
    }
    given = {column: code for column, code in fields.items() if code and code in orgs.columns}
    if not given or orgs.height == 0:
        return
    latest = orgs.select("code", *given.values()).unique("code", keep="last", maintain_order=True)
    rows = latest.join(org_ids.select("code", "sid"), on="code", how="inner")
    values = []
    for row in rows.iter_rows(named=True):
        entry: dict[str, Any] = {"sid": row["sid"]}
        for column, code in given.items():
            value = row[code]
            founded = column == "registered_on" and value
            if isinstance(value, str) and len(value) > WIDTHS.get(column, len(value)):
                value = None  # longer than the profile column holds: not cut, left out
            entry[f"p_{column}"] = date.fromisoformat(value) if founded and value else value
        values.append(entry)
    if values:
        table: Any = Subject.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("sid"))
            .values({column: bindparam(f"p_{column}") for column in given}),
            values,
        )
