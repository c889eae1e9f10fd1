"""insert_frame: every row arrives, whatever is constant across them."""

from __future__ import annotations

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
