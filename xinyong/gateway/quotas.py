"""Quotas per API key: calls per minute and per day, in fixed windows.

Counted in the process by default; with ``XINYONG_REDIS_URL`` set, in Redis (INCR with an
expiry), so that several servers share one count.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from xinyong.settings import get_settings

WINDOWS = (("minute", 60), ("day", 86_400))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window that refused (or the shortest) starts again
    window: str

    def headers(self) -> dict[str, str]:
        shown = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            shown["Retry-After"] = str(self.reset_s)
        return shown


class Counter(Protocol):
    def add(self, name: str, window_s: int, now: float) -> int:
        """Count one call in the window containing ``now``; the window's count so far."""
        ...


class LocalCounter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def add(self, name: str, window_s: int, now: float) -> int:
        slot = int(now // window_s)
        with self._lock:
            if len(self._counts) > 100_000:  # forget windows long past
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot - 1}
            key = (f"{name}:{window_s}", slot)
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def add(self, name: str, window_s: int, now: float) -> int:
        slot = int(now // window_s)
        key = f"xinyong:quota:{name}:{window_s}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window_s * 2)
        count, _ = pipe.execute()
        return int(count)


@lru_cache(maxsize=1)
def counter() -> Counter:
    url = get_settings().redis_url
    return RedisCounter(url) if url else LocalCounter()


def take(name: str, limits: dict[str, int | None], now: float | None = None) -> Verdict | None:
    """Count a call of ``name`` against its limits ({"minute": n, "day": m}); None when the
    caller has no quota."""
    now = time.time() if now is None else now
    tightest: Verdict | None = None
    for window, seconds in WINDOWS:
        limit = limits.get(window)
        if not limit:
            continue
        used = counter().add(name, seconds, now)
        reset = math.ceil((int(now // seconds) + 1) * seconds - now)
        verdict = Verdict(used <= limit, limit, limit - used, reset, window)
        if not verdict.allowed:
            return verdict
        if tightest is None or verdict.remaining < tightest.remaining:
            tightest = verdict
    return tightest
