"""Benchmark: building an upward package and importing its receipt.

    python bench/exchange.py [--records 20000] [--rejected 0.01]

Loads N published penalties (ingest pipeline, published on arrival) into a fresh SQLite
database, then times: finding what is pending and writing the package (ZIP, manifest, hash,
one row per line); a second build that finds nothing pending; a receipt answering every line
(a share rejected); the department queue. Prints seconds and rows per second. No target is
set by the issue; a day's dual publicity of a city is a few thousand rows.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

from xinyong.audit.log import Actor
from xinyong.db.engine import make_engine, session_scope
from xinyong.db.migrate import upgrade
from xinyong.demo.identities import IdentityMaker
from xinyong.exchange.packages import build_package
from xinyong.exchange.queue import department_queue
from xinyong.exchange.receipts import import_receipt
from xinyong.ingest.pipeline import ingest_rows

OPERATOR = Actor("cli:bench")


def penalty_rows(count: int, authority: str, ids: IdentityMaker) -> list[dict[str, str]]:
    rows = []
    for n in range(count):
        rows.append(
            {
                "CF_XDR_MC": f"示范市基准测试企业{n}有限公司",
                "CF_XDR_LB": "法人及非法人组织",
                "CF_FRDB": "张三",
                "CF_XDR_SHXYM": ids.uscc("91", "440500"),
                "CF_WSH": f"示市监罚〔2026〕{n + 1}号",
                "CF_WFXW": "未按规定明码标价",
                "CF_SY": "经查，当事人未按规定明码标价。",
                "CF_YJ": "《价格法》第四十二条",
                "CF_CFLB": "警告",
                "CF_NR": "警告",
                "CF_JDRQ": "2026-05-01",
                "CF_YXQ": "2026-05-01",
                "CF_CFJG": "示范市市场监督管理局",
                "CF_CFJGDM": authority,
                "CF_SJLY": "示范市市场监督管理局",
                "CF_SJLYDM": authority,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rejected", type=float, default=0.01)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="xinyong-bench-exchange-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    ids = IdentityMaker(random.Random(3))
    authority = ids.uscc("11", "440500")
    started = time.perf_counter()
    with session_scope(engine) as session:
        rows = penalty_rows(args.records, authority, ids)
        loaded = ingest_rows(
            session, "admin_penalty", rows, actor=OPERATOR, publish=True, rejected_dir=folder
        )
        assert loaded.accepted == args.records, loaded.as_dict()
    print(f"loaded {args.records} published penalties in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with session_scope(engine) as session:
        package = build_package(session, OPERATOR, "nation", date(2026, 5, 6), folder)
        assert package is not None
        number, lines = package.number, package.rows
    built = time.perf_counter() - started
    zip_path = folder / "exchange" / "nation" / "packages" / f"{number}.zip"
    print(
        f"build: {lines} rows in {built:.2f} s ({lines / built:,.0f} rows/s), "
        f"package {zip_path.stat().st_size / 1e6:.1f} MB"
    )

    started = time.perf_counter()
    with session_scope(engine) as session:
        assert build_package(session, OPERATOR, "nation", date(2026, 5, 6), folder) is None
    print(f"second build (nothing pending): {time.perf_counter() - started:.2f} s")

    rng = random.Random(5)
    receipt = ["包编号,行号,结果,原因"] + [
        f"{number},{line},退回,字段校验不通过"
        if rng.random() < args.rejected
        else f"{number},{line},接收,"
        for line in range(1, lines + 1)
    ]
    started = time.perf_counter()
    with session_scope(engine) as session:
        result = import_receipt(session, OPERATOR, "\n".join(receipt), datetime(2026, 5, 7, 9))
    took = time.perf_counter() - started
    print(
        f"receipt: {lines} lines ({result.rejected} rejected) in {took:.2f} s "
        f"({lines / took:,.0f} lines/s)"
    )
    started = time.perf_counter()
    with session_scope(engine) as session:
        queue = department_queue(session, OPERATOR, None, date(2026, 5, 7))
    print(f"queue: {len(queue)} rejected rows in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
