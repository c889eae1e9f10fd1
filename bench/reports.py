"""Benchmark: issuing a signed 100-record organisation report.

    python bench/reports.py [--records 100] [--reports 200] [--database sqlite|postgresql]

Creates one organisation with ``--records`` published penalties (current, in their publicity
period), then issues ``--reports`` public organisation reports in one process, one after the
other (one core): content from the record views, PDF, PAdES signature, register row and audit
entry, committed each. Prints p50/p95/max per report, the time of each stage for one report,
the PDF's size and pages, and reports per minute (targets: p95 <= 300 ms, >= 100 a minute).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime

from sqlalchemy import create_engine, text

os.environ.setdefault("XINYONG_SECRET_KEY", "bench-secret")

PG_SERVER = os.environ.get(
    "XINYONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TODAY = date(2026, 11, 22)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    os.chdir(folder)
    database = None
    if args.database == "sqlite":
        url = f"sqlite:///{folder}/reports.db"
    else:
        database = f"xinyong_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = PG_SERVER.rsplit("/", 1)[0] + f"/{database}"
    os.environ["XINYONG_DATABASE_URL"] = url
    from xinyong.audit.log import Actor
    from xinyong.catalog.registry import get_catalog
    from xinyong.db.engine import session_scope
    from xinyong.db.migrate import upgrade
    from xinyong.demo.identities import IdentityMaker
    from xinyong.records.store import save_record
    from xinyong.reports import content as report_content
    from xinyong.reports.domains import domain_book
    from xinyong.reports.pdf import render_pdf
    from xinyong.reports.service import ReportRequest, _content, issue_report
    from xinyong.reports.signing import sign_pdf
    from xinyong.subjects.service import get_or_create_organization

    upgrade(url)
    catalog = get_catalog()
    ids = IdentityMaker(random.Random(5))
    uscc = ids.uscc("91", "440500")
    authority = ids.uscc("11", "440500")
    with session_scope() as session:
        subject = get_or_create_organization(session, uscc, "示范市基准建材有限公司", "bench")[0]
        for n in range(args.records):
            decided = date(2026, 1 + n % 10, 1 + n % 27)
            values = {
                "CF_XDR_MC": subject.name,
                "CF_XDR_LB": "法人及非法人组织",
                "CF_XDR_SHXYM": uscc,
                "CF_WSH": f"示市监罚〔2026〕{n + 1}号",
                "CF_WFXW": "未按规定明码标价",
                "CF_SY": "经查，当事人在经营场所销售商品未按规定明码标价，违反《价格法》第十三条。",
                "CF_YJ": "《价格法》第四十二条",
                "CF_CFLB": ["罚款"],
                "CF_NR": "罚款",
                "CF_NR_FK": "0.5",
                "CF_JDRQ": decided.isoformat(),
                "CF_YXQ": decided.isoformat(),
                "CF_GSJZQ": "2027-12-31",
                "CF_CFJG": "示范市市场监督管理局",
                "CF_CFJGDM": authority,
                "CF_SJLY": "示范市市场监督管理局",
                "CF_SJLYDM": authority,
            }
            save_record(
                session,
                catalog.item("admin_penalty"),
                subject,
                values,
                department_id=None,
                published_at=datetime(2026, 1, 2),
            )
    actor = Actor("cli:bench")
    asked = ReportRequest(kind="organisation", code=uscc, purpose="基准测试")
    with session_scope() as session:  # warm-up: font, signer, certificate
        report, built = issue_report(session, actor, asked, catalog, TODAY)
        rows = sum(s["count"] for s in built["sections"])
        size = len(report.pdf)
        pages = report.pdf.count(b"/Type /Page\n") or report.pdf.count(b"/Type /Page")
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(args.reports):
        t0 = time.perf_counter()
        with session_scope() as session:
            issue_report(session, actor, asked, catalog, TODAY)
        times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    # One report stage by stage.
    with session_scope() as session:
        scope = report_content.Scope(
            "organisation",
            "public",
            get_or_create_organization(session, uscc, "示范市基准建材有限公司", "bench")[0],
            TODAY,
        )
        t0 = time.perf_counter()
        built = _content(
            session,
            catalog,
            scope,
            asked,
            "2026112200000000000000",
            "ABCDEFGH",
            datetime(2026, 11, 22),
        )
        t1 = time.perf_counter()
        unsigned = render_pdf(built)
        t2 = time.perf_counter()
        sign_pdf(unsigned, "2026112200000000000000", datetime(2026, 11, 22))
        t3 = time.perf_counter()
    assert domain_book().max_years == 5
    ms = [t * 1000 for t in times]
    print(f"database={args.database} records={args.records} rows_printed={rows}")
    print(f"pdf_bytes={size} pages={pages}")
    print(
        f"reports={args.reports} p50_ms={statistics.median(ms):.1f} "
        f"p95_ms={percentile(ms, 0.95):.1f} max_ms={max(ms):.1f} (target p95 <= 300)"
    )
    print(f"per_minute={args.reports / elapsed * 60:.0f} (target >= 100, one core)")
    print(
        f"stages_ms content={1000 * (t1 - t0):.1f} render={1000 * (t2 - t1):.1f} "
        f"sign={1000 * (t3 - t2):.1f}"
    )
    if database:
        from xinyong.db.engine import engine_for, normalize_url

        engine_for(normalize_url(url)).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
