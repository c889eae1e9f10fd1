"""Delivery to an HTTPS endpoint (a local server with its own certificate): a failed attempt
is kept with its reason and retried after the back-off; a receipt in the answer is imported."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from helpers import org, penalty_values, save_penalty
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor
from xinyong.exchange.models import ExchangeRow
from xinyong.exchange.packages import build_package
from xinyong.exchange.transport import backoff, send_due
from xinyong.settings import reset_settings

ACTOR = Actor("cli:test")


class Platform(BaseHTTPRequestHandler):
    """The national platform: refuses while ``down``; then answers with a receipt."""

    down = True
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        number = self.headers["X-Package-Number"]
        if Platform.down:
            self.send_response(503, "Service Unavailable")
            self.end_headers()
            return
        Platform.received.append({"number": number, "sha256": self.headers["X-Package-SHA256"]})
        answer = json.dumps({"package": number, "rows": [{"line": 1, "result": "accepted"}]})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(answer.encode())
        assert body[:2] == b"PK"  # a ZIP

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def https_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{server.server_address[1]}/upload"
    monkeypatch.setenv("XINYONG_EXCHANGE_NATION_URL", url)
    monkeypatch.setenv("XINYONG_EXCHANGE_CA_FILE", str(cert))
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    reset_settings()
    Platform.down, Platform.received = True, []
    yield url
    server.shutdown()
    reset_settings()


def test_a_failed_send_is_retried_after_the_backoff_and_the_answer_imported(
    session: Session, https_platform: str, tmp_path: Path
) -> None:
    subject = org(session)
    save_penalty(session, subject, penalty_values(subject, ["警告"], datetime(2026, 5, 1).date()))
    session.commit()
    data_dir = tmp_path / "data"
    package = build_package(session, ACTOR, "nation", datetime(2026, 5, 6).date(), data_dir)
    assert package is not None
    first = datetime(2026, 5, 6, 9, 0)
    (failed,) = send_due(session, ACTOR, first, data_dir)
    assert not failed.delivered and "HTTP 503" in (failed.error or "")
    assert (package.state, package.attempts) == ("retrying", 1)
    assert package.next_attempt_at == first + timedelta(minutes=1)
    # Not yet time: nothing is tried. The platform comes back; the retry delivers.
    assert send_due(session, ACTOR, first + timedelta(seconds=30), data_dir) == []
    Platform.down = False
    (retried,) = send_due(session, ACTOR, first + timedelta(minutes=1), data_dir)
    session.commit()
    assert retried.delivered and retried.receipt is not None and retried.receipt.accepted == 1
    assert Platform.received == [{"number": package.number, "sha256": package.sha256}]
    assert (package.state, package.attempts, package.last_error) == ("acknowledged", 2, None)
    assert [r.state for r in session.query(ExchangeRow).all()] == ["accepted"]


def test_the_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).seconds // 60 for n in (1, 2, 3, 6, 7, 12)] == [1, 2, 4, 32, 60, 60]


def test_an_unsupported_scheme_is_refused_with_the_reason(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_EXCHANGE_NATION_URL", "sftp://platform.example/in")
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    reset_settings()
    subject = org(session)
    save_penalty(session, subject, penalty_values(subject, ["警告"], datetime(2026, 5, 1).date()))
    build_package(session, ACTOR, "nation", datetime(2026, 5, 6).date(), tmp_path)
    (result,) = send_due(session, ACTOR, datetime(2026, 5, 6, 9), tmp_path)
    reset_settings()
    assert not result.delivered and "协议 sftp 不受支持" in (result.error or "")
