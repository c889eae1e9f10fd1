"""Migration 0014 turns stored field objects into arrays with a layout, and back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from xinyong.db.engine import engine_for, normalize_url, session_factory
from xinyong.db.migrate import alembic_config, upgrade
from xinyong.records.models import Record

FIELDS = {
    "CF_WSH": "示市监罚〔2026〕7号",
    "CF_CFLB": ["罚款", "警告"],
    "CF_SY": 'a "quoted" \\ fact',
    "CF_NR_FK": "0.5",
}


def _insert_old_record(url: str, fields: dict[str, object], number: int) -> None:
    with engine_for(normalize_url(url)).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subjects (id, kind, name, uscc, created_at, updated_at) "
                "VALUES (:n, 'enterprise', '甲', :uscc, '2026-01-01', '2026-01-01')"
            ),
            {"n": number, "uscc": f"91440500MA0000000{number}"},
        )
        conn.execute(
            text(
                "INSERT INTO records (record_key, version, is_current, item, subject_id, status, "
                "fields, content_hash, received_at, recorded_at) VALUES "
                "(:key, 1, true, 'admin_penalty', :n, 'active', :fields, 'h', "
                "'2026-01-01', '2026-01-01')"
            ),
            {"key": f"k{number}", "n": number, "fields": json.dumps(fields, ensure_ascii=False)},
        )


def test_existing_records_read_back_the_same_after_the_migration_and_after_undoing_it(
    db_url: str,
) -> None:
    config = alembic_config(db_url)
    command.downgrade(config, "0013")
    _insert_old_record(db_url, FIELDS, 1)
    _insert_old_record(db_url, {"CF_WSH": "示市监罚〔2026〕8号"}, 2)
    upgrade(db_url)
    engine = engine_for(normalize_url(db_url))
    with session_factory(engine)() as session:
        records = {r.subject_id: r for r in session.query(Record).all()}
        assert records[1].fields == FIELDS
        assert records[2].fields == {"CF_WSH": "示市监罚〔2026〕8号"}
        assert records[1].layout_id == records[2].layout_id
        assert isinstance(records[1].stored_values, list)
    command.downgrade(config, "0013")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT subject_id, fields FROM records")).all()
    back = {n: json.loads(f) if isinstance(f, str) else f for n, f in stored}
    assert back == {1: FIELDS, 2: {"CF_WSH": "示市监罚〔2026〕8号"}}
    upgrade(db_url)
