"""Tracking codes given to applicants (objections, repair): short, unambiguous, unique."""

from __future__ import annotations

import secrets
from datetime import date

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def tracking_code(prefix: str, today: date) -> str:
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}{today:%Y%m%d}{tail}"
