"""Receipts from the upper platforms: each line of a package accepted or rejected with the
reason. A rejected line goes back to its department's queue; an accepted list recognition is
reported (``reported_at``); a package whose every line is answered is acknowledged.

A receipt is CSV (headers 包编号, 行号, 结果, 原因 or package, line, result, reason) or JSON
(``{"package": "...", "rows": [{"line": 1, "result": "rejected", "reason": "..."}]}``).
A receipt with any wrong line is refused whole, every error named (line, field, value, why).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.exchange.models import ExchangePackage, ExchangeRow
from xinyong.exchange.targets import target
from xinyong.lists.models import ListRecognition
from xinyong.permissions import authorize

HEADERS = {
    "包编号": "package",
    "package": "package",
    "行号": "line",
    "line": "line",
    "结果": "result",
    "result": "result",
    "原因": "reason",
    "reason": "reason",
}
RESULTS = {
    "accepted": "accepted",
    "接收": "accepted",
    "通过": "accepted",
    "成功": "accepted",
    "1": "accepted",
    "rejected": "rejected",
    "退回": "rejected",
    "拒收": "rejected",
    "失败": "rejected",
    "0": "rejected",
}


class ReceiptError(ValueError):
    """A receipt that cannot be imported; the message names every wrong line."""


@dataclass
class ReceiptResult:
    package: str
    accepted: int = 0
    rejected: int = 0
    acknowledged: bool = False
    rejected_lines: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "acknowledged": self.acknowledged,
            "rejected_lines": self.rejected_lines,
        }


def is_receipt(text: str | None) -> bool:
    return text is not None and text.lstrip().startswith("{") and '"rows"' in text


def _parse(text: str) -> tuple[str | None, list[dict[str, Any]]]:
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise ReceiptError("回执为空")
    if stripped.startswith("{"):
        try:
            body = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ReceiptError(f"回执不是有效的 JSON：第{exc.lineno}行 {exc.msg}") from exc
        rows = body.get("rows")
        if not isinstance(rows, list):
            raise ReceiptError("回执缺少 rows（各行的接收结果）")
        return body.get("package"), [dict(r, package=body.get("package")) for r in rows]
    reader = csv.DictReader(io.StringIO(stripped))
    headers = {h: HEADERS.get((h or "").strip()) for h in reader.fieldnames or []}
    missing = {"package", "line", "result"} - set(headers.values())
    if missing:
        wanted = {"package": "包编号", "line": "行号", "result": "结果"}
        raise ReceiptError(f"回执缺少列：{'、'.join(wanted[m] for m in sorted(missing))}")
    rows = [{headers[k]: v for k, v in row.items() if headers.get(k)} for row in reader]
    return None, rows


def _check(rows: list[dict[str, Any]], known: dict[str, ExchangePackage]) -> list[str]:
    errors = []
    for n, row in enumerate(rows, start=1):
        number = str(row.get("package") or "").strip()
        line = str(row.get("line") or "").strip()
        result = str(row.get("result") or "").strip()
        if number not in known:
            errors.append(f"回执第{n}行：包编号“{number}”不存在")
        if not line.isdigit():
            errors.append(f"回执第{n}行：行号“{line}”无效，应为正整数")
        if result.lower() not in RESULTS:
            errors.append(f"回执第{n}行：结果“{result}”无效，应为 接收 或 退回")
        elif RESULTS[result.lower()] == "rejected" and not str(row.get("reason") or "").strip():
            errors.append(f"回执第{n}行：退回须注明原因")
    return errors


def import_receipt(session: Session, actor: Actor, text: str, now: datetime) -> ReceiptResult:
    authorize(actor, "exchange.manage")
    default_package, rows = _parse(text)
    if not rows:
        raise ReceiptError("回执没有数据行：每行应给出包编号、行号和结果")
    numbers = {str(r.get("package") or default_package or "").strip() for r in rows}
    known = {
        p.number: p
        for p in session.execute(
            select(ExchangePackage).where(ExchangePackage.number.in_(numbers))
        ).scalars()
    }
    errors = _check(rows, known)
    if len(known) > 1:
        errors.append(f"一份回执只能答复一个交换包，此回执涉及：{'、'.join(sorted(known))}")
    lines: dict[int, ExchangeRow] = {}
    if not errors:
        package = next(iter(known.values()))
        lines = {
            r.line: r
            for r in session.execute(
                select(ExchangeRow).where(ExchangeRow.package_id == package.id)
            ).scalars()
        }
        errors = [
            f"回执第{n}行：行号“{r['line']}”不在交换包 {package.number} 中（共{len(lines)}行）"
            for n, r in enumerate(rows, start=1)
            if int(str(r["line"]).strip()) not in lines
        ]
    if errors:
        raise ReceiptError("回执未导入：\n" + "\n".join(errors))
    return _apply(session, actor, package, lines, rows, now)


def _apply(
    session: Session,
    actor: Actor,
    package: ExchangePackage,
    lines: dict[int, ExchangeRow],
    rows: list[dict[str, Any]],
    now: datetime,
) -> ReceiptResult:
    result = ReceiptResult(package.number)
    reports = target(package.target).marks_reported
    for row in rows:
        entry = lines[int(str(row["line"]).strip())]
        outcome = RESULTS[str(row["result"]).strip().lower()]
        if entry.state not in ("sent", "accepted", "rejected"):
            continue  # superseded or resubmitted since: a late answer changes nothing
        entry.state = outcome
        entry.reason = str(row.get("reason") or "").strip() or None
        entry.answered_at = now
        if outcome == "accepted":
            result.accepted += 1
            if reports and entry.kind == "list_recognition" and entry.source_id is not None:
                recognition = session.get(ListRecognition, entry.source_id)
                if recognition is not None and recognition.reported_at is None:
                    recognition.reported_at = now
        else:
            result.rejected += 1
            result.rejected_lines.append(entry.line)
    if all(r.answered_at is not None or r.state == "superseded" for r in lines.values()):
        package.state = "acknowledged"
        package.acknowledged_at = now
        result.acknowledged = True
    record_event(
        session,
        actor,
        "exchange.receipt",
        "exchange_package",
        package.number,
        detail=result.as_dict(),
    )
    return result
