"""insert_frame: every row arrives, whatever is constant across them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
from sqlalchemy import text
from sqlalchemy.orm import Session

from xinyong.db.bulk import insert_frame


def test_identical_rows_and_constant_columns_all_arrive(session: Session) -> None:
    session.execute(text("CREATE TEMPORARY TABLE bulk_probe (a VARCHAR(10), b INTEGER, c TEXT)"))
    insert_frame(
        session, "bulk_probe", pl.DataFrame({"a": ["x", "x"], "b": [1, 1], "c": ["o'k"] * 2})
    )
    insert_frame(
        session, "bulk_probe", pl.DataFrame({"a": ["y", "z"], "b": [2, 2], "c": [None, None]})
    )
    rows = session.execute(text("SELECT a, b, c FROM bulk_probe ORDER BY a")).all()
    assert [tuple(r) for r in rows] == [
        ("x", 1, "o'k"),
        ("x", 1, "o'k"),
        ("y", 2, None),
        ("z", 2, None),
    ]


def test_tabs_newlines_and_backslashes_arrive_as_sent(session: Session) -> None:
    session.execute(text("CREATE TEMPORARY TABLE bulk_text (n INTEGER, a TEXT, b TEXT)"))
    values = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "plain"]
    insert_frame(
        session, "bulk_text", pl.DataFrame({"n": [0, 1, 2, 3], "a": values, "b": ["x"] * 4})
    )
    rows = session.execute(text("SELECT a, b FROM bulk_text ORDER BY n")).all()
    assert [tuple(r) for r in rows] == [(v, "x") for v in values]


def test_chinese_text_arrives_as_text_that_json_functions_read(session: Session) -> None:
    session.execute(
        text("CREATE TEMPORARY TABLE bulk_json (n INTEGER, name TEXT, fields TEXT, amount NUMERIC)")
    )
    frame = pl.DataFrame(
        {
            "n": [0, 1, 2],
            "name": ["示范市鸿泰贸易有限公司", "😀 emoji", None],
            "fields": ['["罚款","示市监罚〔2026〕1号"]', '["警告"]', "[]"],
            "amount": ["2000", "0.5", None],
        }
    )
    insert_frame(session, "bulk_json", frame)
    dialect = session.get_bind().dialect.name
    first = "fields::json ->> 0" if dialect == "postgresql" else "json_extract(fields, '$[0]')"
    kind = "pg_typeof(name)::text" if dialect == "postgresql" else "typeof(name)"
    rows = session.execute(
        text(f"SELECT name, {kind}, {first}, amount FROM bulk_json ORDER BY n")
    ).all()
    names = [r[0] for r in rows]
    assert names == ["示范市鸿泰贸易有限公司", "😀 emoji", None]
    assert rows[0][1] == "text"
    assert [r[2] for r in rows] == ["罚款", "警告", None]
    # numeric columns still take text as numbers (SQLite's affinity applies after the cast)
    assert float(rows[0][3]) == 2000 and float(rows[1][3]) == 0.5


def test_a_value_constant_across_rows_is_stored_as_a_varying_one_would_be(
    session: Session,
) -> None:
    """Constant columns are written into the statement once: dates, times, amounts and flags
    must come out exactly as they do when bound row by row."""
    session.execute(
        text(
            "CREATE TEMPORARY TABLE bulk_typed "
            "(n INTEGER, d DATE, ts TIMESTAMP, amount NUMERIC(20, 2), flag BOOLEAN)"
        )
    )
    moment = datetime(2026, 11, 22, 9, 30)  # whole seconds: str() would drop the fraction
    constant = pl.DataFrame(
        {
            "n": [0, 1],
            "d": [date(2026, 5, 1)] * 2,
            "ts": [moment] * 2,
            "amount": [Decimal("2000.50")] * 2,
            "flag": [True] * 2,
        }
    )
    varying = pl.DataFrame(
        {
            "n": [2, 3],
            "d": [date(2026, 5, 1), date(2026, 5, 2)],
            "ts": [moment, moment + timedelta(seconds=1)],
            "amount": [Decimal("2000.50"), Decimal("1.00")],
            "flag": [True, False],
        }
    )
    insert_frame(session, "bulk_typed", constant)
    insert_frame(session, "bulk_typed", varying)
    rows = session.execute(text("SELECT d, ts, amount, flag FROM bulk_typed ORDER BY n")).all()
    assert rows[0] == rows[1] == rows[2]
    assert rows[3] != rows[2]
    stored_moment = rows[0][1]
    if isinstance(stored_moment, str):  # SQLite keeps the text it was given
        assert stored_moment == "2026-11-22 09:30:00.000000"
    else:
        assert stored_moment == moment
