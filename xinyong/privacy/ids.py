"""Keyed hashing and encryption of personal ID numbers.

A database copy holds only HMAC-SHA256 digests (for exact lookup) and AES-256-GCM ciphertexts
with a random nonce (for authorised recovery). Both keys derive from XINYONG_SECRET_KEY,
which is kept apart from the database (``xinyong.privacy.keys``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from xinyong.identifiers.resident_id import mask_resident_id
from xinyong.settings import get_settings

ENCRYPTED_PREFIX = "enc:"


def derive_key(secret: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from the platform secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"xinyong", info=purpose).derive(secret)


class IdProtector:
    def __init__(self, secret: bytes) -> None:
        self._hash_key = derive_key(secret, b"id-lookup-hash")
        self._aead = AESGCM(derive_key(secret, b"id-encryption"))

    def lookup_hash(self, id_number: str) -> str:
        return hmac.new(self._hash_key, id_number.encode("utf-8"), hashlib.sha256).hexdigest()

    def encrypt(self, id_number: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, id_number.encode("utf-8"), None)
        return ENCRYPTED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        raw = base64.urlsafe_b64decode(token.removeprefix(ENCRYPTED_PREFIX).encode("ascii"))
        return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")

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
