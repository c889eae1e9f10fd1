"""The audit log's keys, derived from the platform secret and never stored in the database.

``chain``: HMAC-SHA256 key of the entries' chain. Without it, nobody can recompute the chain
after changing or deleting entries: the database alone is not enough.
``checkpoint``: signs the checkpoints of the chain's head written outside the database. It
never leaves the application (the chain key is sent to PostgreSQL with each server-side
append), so a checkpoint still holds if the chain key ever leaked from the database server.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from xinyong.privacy.ids import derive_key
from xinyong.settings import get_settings


@dataclass(frozen=True)
class AuditKeys:
    chain: bytes
    checkpoint: bytes


@lru_cache(maxsize=4)
def keys_for(secret: bytes) -> AuditKeys:
    return AuditKeys(
        chain=derive_key(secret, b"audit-chain-mac"),
        checkpoint=derive_key(secret, b"audit-checkpoint-signature"),
    )


def audit_keys() -> AuditKeys:
    return keys_for(get_settings().secret_key)


def mac_hex(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
