"""Keyed hashing and encryption of personal ID numbers.

A database copy holds only HMAC-SHA256 digests (for exact lookup) and Fernet tokens (for
authorised recovery). Both keys derive from XINYONG_SECRET_KEY, which is kept apart from the
database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.settings import get_settings

ENCRYPTED_PREFIX = "enc:"


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"xinyong", info=purpose).derive(secret)


class IdProtector:
    def __init__(self, secret: bytes) -> None:
        self._hash_key = _derive(secret, b"id-lookup-hash")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"id-encryption")))

    def lookup_hash(self, id_number: str) -> str:
        return hmac.new(self._hash_key, id_number.encode("utf-8"), hashlib.sha256).hexdigest()

    def encrypt(self, id_number: str) -> str:
        return ENCRYPTED_PREFIX + self._fernet.encrypt(id_number.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        raw = token.removeprefix(ENCRYPTED_PREFIX)
        return self._fernet.decrypt(raw.encode("ascii")).decode("utf-8")

    def masked(self, token: str) -> str:
        """Masked public form of an encrypted value (or of a plain value)."""
        if not is_encrypted(token):
            return mask_resident_id(token)
        return mask_resident_id(self.decrypt(token))


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)


@lru_cache(maxsize=4)
def _protector_for(secret: bytes) -> IdProtector:
    return IdProtector(secret)


def get_protector() -> IdProtector:
    return _protector_for(get_settings().secret_key)
