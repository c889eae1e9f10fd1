from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from helpers import ACME, black_list_entry, org, staff_headers
from sqlalchemy.orm import Session

from xinyong.api.app import create_app
from xinyong.api.client import CreditCheckError, check_credit


def test_copyable_client_talks_to_a_real_server(session: Session, db_url: str) -> None:
    subject = org(session)
    black_list_entry(session, subject, "2029-12-31")
    key = staff_headers(session, ["checks"])["X-API-Key"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        base = f"http://127.0.0.1:{port}"
        answer = check_credit(base, key, [ACME], "GP", "资格审查")
        assert answer["results"][0]["advice"] == "restrict"
        with pytest.raises(CreditCheckError, match="事项编码"):
            check_credit(base, key, [ACME], "NOPE", "资格审查")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
