"""The platform key sealed under a passphrase for a backup (scrypt, then AES-256-GCM).

A backup's database alone must not reveal ID numbers, so the key travels beside it only
encrypted: ``XINYONG_BACKUP_PASSPHRASE`` derives the sealing key (scrypt, n=2^15, r=8, p=1)
and the file records the key's fingerprint, so a restore tells a wrong passphrase from a
damaged file.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from xinyong.privacy.keys import fingerprint

FORMAT = "xinyong-sealed-key/1"
MIN_PASSPHRASE = 12


class SealError(Exception):
    """The key cannot be sealed or opened; the message is in Chinese."""


def _sealing_key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase: str | None) -> str:
    if not passphrase:
        raise SealError(
            "未设置 XINYONG_BACKUP_PASSPHRASE：备份中的平台密钥必须加密保存，请设置备份口令后重试"
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise SealError(
            f"XINYONG_BACKUP_PASSPHRASE 只有 {len(passphrase)} 个字符，"
            f"至少需要 {MIN_PASSPHRASE} 个字符"
        )
    return passphrase


def seal(key: bytes, passphrase: str, path: Path) -> None:
    """Write ``key`` encrypted under ``passphrase`` to ``path`` (mode 0600)."""
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_sealing_key(passphrase, salt)).encrypt(nonce, key, FORMAT.encode())
    body = {
        "format": FORMAT,
        "fingerprint": fingerprint(key),
        "kdf": {"name": "scrypt", "n": 2**15, "r": 8, "p": 1},
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle, indent=1)


def unseal(path: Path, passphrase: str) -> bytes:
    """The key sealed in ``path``; a wrong passphrase or a changed file is refused."""
    try:
        body = json.loads(path.read_text("utf-8"))
        salt = base64.b64decode(body["salt"])
        nonce = base64.b64decode(body["nonce"])
        sealed = base64.b64decode(body["ciphertext"])
    except (OSError, ValueError, KeyError) as exc:
        raise SealError(f"备份中的密钥文件 {path} 无法读取：{exc}") from None
    try:
        key = AESGCM(_sealing_key(passphrase, salt)).decrypt(nonce, sealed, FORMAT.encode())
    except InvalidTag:
        raise SealError(
            f"无法解开备份中的平台密钥 {path.name}：XINYONG_BACKUP_PASSPHRASE 不是备份时的口令，"
            "或文件已被改动"
        ) from None
    if fingerprint(key) != body.get("fingerprint"):
        raise SealError(f"备份中的平台密钥 {path.name} 与其记录的指纹不符")
    return key
