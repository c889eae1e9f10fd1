"""Regenerate docs/screenshots/: home, search and subject pages of the demo city, on a desktop
and a 375-pixel phone, taken with Debian's Chromium through Playwright.

    .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

OUT = Path(__file__).parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.chdir(tmp)
    os.environ["XINYONG_DATABASE_URL"] = f"sqlite:///{tmp}/demo.db"
    os.environ.setdefault("XINYONG_SECRET_KEY", "screenshots")
    import uvicorn
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from xinyong.api.app import create_app
    from xinyong.catalog.registry import get_catalog
    from xinyong.clock import today
    from xinyong.db.engine import session_scope
    from xinyong.db.migrate import upgrade
    from xinyong.demo.city import build_city
    from xinyong.records.models import Record
    from xinyong.subjects.models import Subject

    upgrade(os.environ["XINYONG_DATABASE_URL"])
    with session_scope() as session:
        build_city(session, get_catalog(), "示范市", today(), subjects=2000)
    with session_scope() as session:
        busiest = session.execute(
            select(Subject)
            .join(Record, Record.subject_id == Subject.id)
            .where(
                Subject.kind == "enterprise",
                Record.item == "admin_penalty",
                Record.published_at.is_not(None),
            )
            .order_by(Record.decision_date.desc())
            .limit(1)
        ).scalar_one()
        code, fragment = busiest.uscc, busiest.name[3:5]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    pages = {"home": "/", "search": f"/search?q={fragment}", "subject": f"/subjects/{code}"}
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for device, options in {
            "desktop": {"viewport": {"width": 1280, "height": 800}},
            "phone": {
                "viewport": {"width": 375, "height": 740},
                "is_mobile": True,
                "device_scale_factor": 2,
            },
        }.items():
            context = browser.new_context(locale="zh-CN", **options)
            page = context.new_page()
            for name, path in pages.items():
                page.goto(base + path)
                page.screenshot(path=str(OUT / f"{name}-{device}.png"), full_page=False)
            context.close()
        browser.close()
    server.should_exit = True
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
