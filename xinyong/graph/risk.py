"""Related-party risk (关联方风险): who stands behind a company and is on a serious list.

A company's related parties are its shareholders and legal representatives in force (from the
graph edges) and its controllers up the chain of control: a holder with more than half of a
company's shares, or its executive partner, controls it, and whoever controls that holder
controls the company too (followed up to ``CONTROL_LEVELS`` levels, a cycle stops). A related
party is a risk while it has an entry in force on a serious list (the list types of kind
``black``: 严重失信主体名单, 失信被执行人名单), in its publicity period as the credit check
counts its own hits.

The credit check is the hot path, so all the companies of a batch are answered by one
statement: a recursive walk over ``graph_edges`` by its target index, joined to the listed
records through ``ix_records_checkable``, written once for PostgreSQL (psycopg and asyncpg) and
SQLite. The chain rule here is the simple one (a majority or an executive partner at every
link); the full control analysis (votes added over controlled companies, concert parties) is
``xinyong.graph.control``, shown on the subject's page and by ``/control``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import asyncpg
from sqlalchemy import Date, Integer, String, TextualSelect, bindparam, text
from sqlalchemy.orm import Session

from xinyong.catalog.registry import get_catalog
from xinyong.db.rows import driver_connection, fetch_named, fetch_named_async, numbered
from xinyong.graph.build import PERSON_PREFIX
from xinyong.lists.service import list_types
from xinyong.records.public import publicity_period_sql
from xinyong.subjects.service import PERSON_REF_PREFIX

CONTROL_LEVELS = 20
SEPARATOR = chr(31)  # between the names of a path (no name holds a control character)
RELATIONS = {"controller": "控制人", "shareholder": "股东", "legal_representative": "法定代表人"}
# xinyong.records.models.CHECKABLE on the alias ``r``, so that ix_records_checkable serves it
CHECKABLE_SQL = (
    "r.is_current AND r.status = 'active' AND (r.item <> 'admin_penalty' OR r.severity = 'serious')"
)
_STRENGTH = {"controller": 0, "shareholder": 1, "legal_representative": 2}

_SQL = """
WITH RECURSIVE up(company, node, relation, depth, path, names, masked) AS (
  SELECT CAST(e.target_key AS TEXT), CAST(e.source_key AS TEXT),
         CAST(CASE WHEN e.kind = 'legal_representative' THEN 'legal_representative'
              WHEN e.controls OR e.ratio > 0.5 THEN 'controller' ELSE 'shareholder' END AS TEXT),
         1, CAST(e.source_key || '>' || e.target_key AS TEXT), CAST(e.source_name AS TEXT),
         CAST(e.source_masked AS TEXT)
  FROM graph_edges e JOIN records r ON r.id = e.record_id
  WHERE {targets} AND e.kind IN ('holding', 'legal_representative')
    AND r.is_current AND r.status = 'active' AND {in_force}
  UNION ALL
  SELECT up.company, CAST(e.source_key AS TEXT), CAST('controller' AS TEXT), up.depth + 1,
         CAST(e.source_key || '>' || up.path AS TEXT),
         CAST(e.source_name || {sep} || up.names AS TEXT), CAST(e.source_masked AS TEXT)
  FROM up JOIN graph_edges e ON e.target_key = up.node
  JOIN records r ON r.id = e.record_id
  WHERE up.relation = 'controller' AND up.depth < {levels}
    AND e.kind = 'holding' AND (e.controls OR e.ratio > 0.5)
    AND r.is_current AND r.status = 'active' AND {in_force} AND {not_on_path}
)
SELECT up.company, up.node, up.relation, up.depth, up.path, up.names, up.masked,
       r.id AS record_id, r.item, r.valid_from, r.decision_date, r.valid_to
FROM up JOIN subjects s ON s.uscc = up.node
JOIN records r ON r.subject_id = s.id AND {listed}
UNION ALL
SELECT up.company, up.node, up.relation, up.depth, up.path, up.names, up.masked,
       r.id AS record_id, r.item, r.valid_from, r.decision_date, r.valid_to
FROM up JOIN subjects s
  ON substr(up.node, 1, {prefix_length}) = '{prefix}'
 AND s.person_hash = substr(up.node, {prefix_length} + 1)
JOIN records r ON r.subject_id = s.id AND {listed}
"""
_TYPES: dict[str, Any] = {
    "company": String,
    "node": String,
    "relation": String,
    "depth": Integer,
    "path": String,
    "names": String,
    "masked": String,
    "record_id": Integer,
    "item": String,
    "valid_from": Date,
    "decision_date": Date,
    "valid_to": Date,
}


@dataclass(frozen=True)
class _Statement:
    driver_sql: str
    portable: TextualSelect
    async_sql: str
    async_names: tuple[str, ...]


@lru_cache(maxsize=1)
def serious_items() -> dict[str, str]:
    """List type code by catalog item, for the serious lists (kind ``black``)."""
    return {kind.item: code for code, kind in list_types().items() if kind.kind == "black"}


def _render(day: str, targets: str, sep: str, not_on_path: str) -> str:
    items = ", ".join(f"'{item}'" for item in sorted(serious_items()))
    # the condition of ix_records_checkable, repeated so that the planner uses it
    checkable = CHECKABLE_SQL
    listed = (
        f"{checkable} AND r.item IN ({items}) AND {publicity_period_sql(get_catalog(), 'r', day)}"
    )
    return _SQL.format(
        targets=targets,
        in_force=(
            f"(e.valid_from IS NULL OR e.valid_from <= {day}) "
            f"AND (e.valid_to IS NULL OR e.valid_to > {day})"
        ),
        sep=sep,
        levels=CONTROL_LEVELS,
        not_on_path=not_on_path,
        listed=listed,
        prefix=PERSON_PREFIX,
        prefix_length=len(PERSON_PREFIX),
    )


@lru_cache(maxsize=1)
def _statement() -> _Statement:
    driver_sql = _render(
        "%(today)s",
        "e.target_key = ANY(%(targets)s)",
        "chr(31)",
        "strpos(up.path, e.source_key) = 0",
    )
    portable = (
        text(
            _render(
                ":today", "e.target_key IN :targets", "char(31)", "instr(up.path, e.source_key) = 0"
            )
        )
        .bindparams(
            bindparam("today", type_=Date),
            bindparam("targets", expanding=True, type_=String),
        )
        .columns(**_TYPES)
    )
    return _Statement(driver_sql, portable, *numbered(driver_sql))


def _public_id(key: str) -> str:
    # as xinyong.graph.service.public_id (which this hot path does not import)
    if key.startswith(PERSON_PREFIX):
        return PERSON_REF_PREFIX + key.removeprefix(PERSON_PREFIX)[:20].upper()
    return key


def related_risks(
    session: Session, companies: Iterable[str], today: date
) -> dict[str, list[dict[str, Any]]]:
    """The related risks of each company (by USCC) on ``today``; a company without any is
    left out."""
    targets = sorted(set(companies))
    if not targets:
        return {}
    params = {"today": today, "targets": targets}
    statement = _statement()
    driver = driver_connection(session)
    rows: Iterable[Any] = (
        fetch_named(driver, statement.driver_sql, params)
        if driver is not None
        else session.connection().execute(statement.portable, params)
    )
    return collect(rows)


async def related_risks_async(
    connection: asyncpg.Connection, companies: Iterable[str], today: date
) -> dict[str, list[dict[str, Any]]]:
    """``related_risks`` on an asyncpg connection (PostgreSQL)."""
    targets = sorted(set(companies))
    if not targets:
        return {}
    statement = _statement()
    params = {"today": today, "targets": targets}
    args = [params[name] for name in statement.async_names]
    return collect(await fetch_named_async(connection, statement.async_sql, args))


def with_company_name(risks: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """``risks`` with the company's own name at the end of each path."""
    return [
        {**risk, "path": [*risk["path"][:-1], {**risk["path"][-1], "name": name}]} for risk in risks
    ]


def collect(rows: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """One risk per company, related party and list entry: all its relations, the shortest
    path (from the related party down to the company)."""
    best: dict[tuple[str, str, int], dict[str, Any]] = {}
    for row in rows:
        key = (row.company, row.node, row.record_id)
        seen = best.get(key)
        relations = {row.relation} | (set(seen["relations"]) if seen else set())
        if seen is None or row.depth < len(seen["path"]) - 1:
            best[key] = _risk(row)
        best[key]["relations"] = sorted(relations, key=_STRENGTH.__getitem__)
    found: dict[str, list[dict[str, Any]]] = {}
    for (company, _, _), risk in sorted(best.items()):
        risk["relation_label"] = "、".join(RELATIONS[r] for r in risk["relations"])
        found.setdefault(company, []).append(risk)
    return found


def _risk(row: Any) -> dict[str, Any]:
    list_code = serious_items()[row.item]
    keys = row.path.split(">")
    names = row.names.split(SEPARATOR)
    since = row.valid_from or row.decision_date
    is_person = row.node.startswith(PERSON_PREFIX)
    return {
        "party": {
            "id": _public_id(row.node),
            "name": names[0],
            "code": row.masked if is_person else row.node,
            "kind": "natural_person" if is_person else "organization",
        },
        "relations": [row.relation],
        "path": [
            {"id": _public_id(k), "name": n} for k, n in zip(keys, [*names, None], strict=True)
        ],
        "record_id": row.record_id,
        "list_type": list_code,
        "list_name": list_types()[list_code].name,
        "since": since.isoformat() if since else None,
        "until": row.valid_to.isoformat() if row.valid_to else None,
    }
