"""Deliver built packages to each target's endpoint, retrying failures with back-off.

A folder endpoint (a path or ``file://``) receives ``<number>.zip`` and ``<number>.sha256``,
written under a temporary name and renamed, so a reader never sees half a package. An
``https://`` endpoint receives a POST of the ZIP with the number and SHA-256 in headers; a
2xx answer is delivery, and a body that is a receipt is imported at once. Other schemes
(SFTP) are refused with the reason. A failed attempt is kept with its error and tried again
after 1, 2, 4 … minutes (at most an hour) by the next ``send_due``.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.exchange.models import ExchangePackage
from xinyong.exchange.packages import PackageError, package_path, verify_package
from xinyong.exchange.receipts import ReceiptResult, import_receipt, is_receipt
from xinyong.exchange.targets import endpoint
from xinyong.permissions import authorize
from xinyong.privacy.files import private_dir, write_private_bytes
from xinyong.settings import get_settings

MAX_BACKOFF_MINUTES = 60
HTTPS_TIMEOUT_SECONDS = 30


class TransportError(RuntimeError):
    """A delivery that failed; the message (Chinese) is kept on the package."""


@dataclass
class SendResult:
    number: str
    delivered: bool
    error: str | None = None
    receipt: ReceiptResult | None = None


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def _to_folder(folder: Path, package: ExchangePackage, body: bytes) -> None:
    private_dir(folder)
    for name, data in (
        (package.file_name, body),
        (f"{package.number}.sha256", f"{package.sha256}  {package.file_name}\n".encode()),
    ):
        partial = folder / f".{name}.part"
        write_private_bytes(partial, data)  # the package holds ID numbers: this user only
        partial.replace(folder / name)


def _to_https(url: str, package: ExchangePackage, body: bytes) -> str | None:
    ca = get_settings().exchange_ca_file
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/zip",
            "X-Package-Number": package.number,
            "X-Package-SHA256": package.sha256,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTPS_TIMEOUT_SECONDS, context=context) as r:
            answer = r.read().decode("utf-8", errors="replace").strip()
    except urllib.error.HTTPError as exc:
        raise TransportError(f"接收端返回 HTTP {exc.code}：{exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransportError(f"无法连接接收端 {url}：{reason}") from exc
    return answer or None


def deliver(package: ExchangePackage, data_dir: Path) -> str | None:
    """Send one package to its target's endpoint; returns a receipt the endpoint answered."""
    try:
        verify_package(data_dir, package)
    except PackageError as exc:
        raise TransportError(str(exc)) from exc
    body = package_path(data_dir, package).read_bytes()
    url = endpoint(package.target)
    if url.startswith("https://"):
        return _to_https(url, package, body)
    if "://" in url and not url.startswith("file://"):
        scheme = url.split("://", 1)[0]
        raise TransportError(f"报送地址“{url}”的协议 {scheme} 不受支持：请使用文件夹或 https://")
    _to_folder(Path(url.removeprefix("file://")), package, body)
    return None


def send_due(
    session: Session, actor: Actor, now: datetime, data_dir: Path, target: str | None = None
) -> list[SendResult]:
    """Send every package built or waiting for a retry whose time has come."""
    authorize(actor, "exchange.manage")
    query = select(ExchangePackage).where(
        ExchangePackage.state.in_(("built", "retrying")),
        or_(ExchangePackage.next_attempt_at.is_(None), ExchangePackage.next_attempt_at <= now),
    )
    if target:
        query = query.where(ExchangePackage.target == target)
    results = []
    for package in session.execute(query.order_by(ExchangePackage.id)).scalars():
        results.append(_attempt(session, actor, package, now, data_dir))
    return results


def _attempt(
    session: Session, actor: Actor, package: ExchangePackage, now: datetime, data_dir: Path
) -> SendResult:
    package.attempts += 1
    try:
        answer = deliver(package, data_dir)
    except TransportError as exc:
        package.state = "retrying"
        package.last_error = str(exc)
        package.next_attempt_at = now + backoff(package.attempts)
        record_event(
            session,
            actor,
            "exchange.send",
            "exchange_package",
            package.number,
            detail={"attempt": package.attempts, "error": str(exc)},
        )
        return SendResult(package.number, False, str(exc))
    package.state = "delivered"
    package.delivered_at = now
    package.next_attempt_at = None
    package.last_error = None
    record_event(
        session,
        actor,
        "exchange.send",
        "exchange_package",
        package.number,
        detail={"attempt": package.attempts, "endpoint": endpoint(package.target)},
    )
    receipt = import_receipt(session, actor, answer, now) if answer and is_receipt(answer) else None
    return SendResult(package.number, True, receipt=receipt)
