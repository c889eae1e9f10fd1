"""Signed checkpoints of the audit log's head, kept outside the database.

A checkpoint is a small JSON file: the date, the head's sequence number and hash, when it was
written, and an HMAC-SHA256 signature under the checkpoint key (``xinyong.audit.keys``), which
never reaches the database. ``xinyong audit checkpoint`` writes one, and ``xinyong jobs run``
one a day. ``xinyong audit verify`` checks the log against every checkpoint it finds: an entry
a checkpoint names must still be in the log with the hash the checkpoint recorded, so deleting
the whole log, cutting its tail or rewriting it (even with the chain key) is caught, and a
checkpoint whose signature does not verify is reported as forged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.keys import audit_keys
from xinyong.audit.log import GENESIS, Problem, Verification, verify_log
from xinyong.audit.models import AuditEntry
from xinyong.clock import utcnow
from xinyong.privacy.files import private_dir

FORMAT = "xinyong-audit-checkpoint/1"
PATTERN = "audit-checkpoint-*.json"


class CheckpointError(Exception):
    """A checkpoint cannot be written; the message is in Chinese."""


@dataclass(frozen=True)
class Checkpoint:
    date: str
    seq: int
    hash: str
    written_at: str
    name: str = ""

    def signed_fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "date": self.date,
            "seq": self.seq,
            "hash": self.hash,
            "written_at": self.written_at,
        }

    @property
    def label(self) -> str:
        return f"{self.name}（{self.date}，#{self.seq}）"


def signature(checkpoint: Checkpoint, key: bytes) -> str:
    text = json.dumps(checkpoint.signed_fields(), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse(path: Path) -> tuple[Checkpoint, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("不是审计检查点文件")
    seq, head, sig = data.get("seq"), data.get("hash"), data.get("signature")
    if not isinstance(seq, int) or not isinstance(head, str) or not isinstance(sig, str):
        raise ValueError("缺少序号、哈希或签名")
    day, written = str(data.get("date", "")), str(data.get("written_at", ""))
    return Checkpoint(day, seq, head, written, path.name), sig


def read_checkpoints(directory: Path | None, key: bytes) -> tuple[list[Checkpoint], list[Problem]]:
    """The checkpoints in ``directory`` whose signature verifies, by sequence number, and a
    problem for every other checkpoint file (unreadable, forged or altered). No folder, or
    one that does not exist: none."""
    valid: list[Checkpoint] = []
    problems: list[Problem] = []
    if directory is None or not directory.is_dir():
        return valid, problems
    for path in sorted(directory.glob(PATTERN)):
        try:
            checkpoint, sig = _parse(path)
        except (OSError, ValueError) as exc:
            problems.append(Problem(0, f"检查点文件 {path.name} 无法读取：{exc}"))
            continue
        if not hmac.compare_digest(signature(checkpoint, key), sig):
            problems.append(
                Problem(checkpoint.seq, f"检查点文件 {path.name} 的签名无效（伪造或被改动）")
            )
            continue
        valid.append(checkpoint)
    valid.sort(key=lambda c: (c.seq, c.name))
    return valid, problems


def _compare(checkpoints: list[Checkpoint], hashes: dict[int, str]) -> list[Problem]:
    problems = []
    for checkpoint in checkpoints:
        stored = GENESIS if checkpoint.seq == 0 else hashes.get(checkpoint.seq)
        if stored is None:
            problems.append(
                Problem(
                    checkpoint.seq,
                    f"审计条目 #{checkpoint.seq} 已不在日志中，但检查点 {checkpoint.label} "
                    "记录了它：日志被删除或截断",
                )
            )
        elif not hmac.compare_digest(stored, checkpoint.hash):
            problems.append(
                Problem(
                    checkpoint.seq,
                    f"审计条目 #{checkpoint.seq} 的哈希与检查点 {checkpoint.label} 不符："
                    "该条目或其之前的日志被改写",
                )
            )
    return problems


def _snapshot(session: Session) -> None:
    """Read the whole log in one snapshot, so entries appended meanwhile are not mistaken for
    a cut tail (PostgreSQL; an SQLite read transaction is one snapshot already)."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


@dataclass
class CheckedLog:
    """The log verified against the checkpoints of a folder."""

    log: Verification
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.log.problems


def verify_with_checkpoints(session: Session, directory: Path | None) -> CheckedLog:
    """The whole chain (``verify_log``) and every checkpoint in ``directory``."""
    _snapshot(session)
    checkpoints, bad = (
        read_checkpoints(directory, audit_keys().checkpoint) if directory else ([], [])
    )
    found = verify_log(session, wanted=frozenset(c.seq for c in checkpoints))
    found.problems.extend(bad)
    found.problems.extend(_compare(checkpoints, found.hashes))
    return CheckedLog(found, checkpoints)


def _since_latest(session: Session, checkpoints: list[Checkpoint]) -> Verification:
    """The entries after the latest checkpoint, chained from it (all of them without one)."""
    if not checkpoints:
        return verify_log(session)
    latest = checkpoints[-1]
    stored = (
        GENESIS
        if latest.seq == 0
        else session.execute(
            select(AuditEntry.entry_hash).where(AuditEntry.seq == latest.seq)
        ).scalar_one_or_none()
    )
    found = verify_log(session, after=(latest.seq, latest.hash))
    found.problems[:0] = _compare([latest], {latest.seq: stored} if stored else {})
    return found


def write_checkpoint(session: Session, directory: Path, day: date) -> tuple[Checkpoint, Path]:
    """Sign and write the committed head of the log into ``directory``.

    The entries since the latest checkpoint there are verified first (all of them when there
    is none), and so are the folder's checkpoint files: a log or a folder with problems gets
    no new checkpoint (``CheckpointError``, naming them), so a checkpoint never vouches for a
    log that was already tampered with.
    """
    _snapshot(session)
    keys = audit_keys()
    checkpoints, bad = (
        read_checkpoints(directory, keys.checkpoint) if directory.exists() else ([], [])
    )
    found = _since_latest(session, checkpoints)
    problems = bad + found.problems
    if problems:
        raise CheckpointError(
            "审计日志或检查点校验未通过，未写入新检查点：" + "；".join(p.message for p in problems)
        )
    stamp = utcnow().isoformat(timespec="seconds") + "Z"
    checkpoint = Checkpoint(day.isoformat(), found.last_seq, found.last_hash, stamp)
    name = f"audit-checkpoint-{day:%Y%m%d}-{found.last_seq:012d}.json"
    path = directory / name
    if not path.exists():  # else the same head was vouched for today already
        body = {**checkpoint.signed_fields(), "signature": signature(checkpoint, keys.checkpoint)}
        _write_private(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    return replace(checkpoint, name=name), path


def _write_private(path: Path, text: str) -> None:
    """Write ``path`` readable by this user only (folder 0700, file 0600), atomically."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
