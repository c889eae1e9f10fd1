"""Live usage statistics: every API call counted by caller, interface family, status class
and day, with a latency histogram.

Each server counts in memory (one dictionary update per call) and adds its counts to
``api_usage`` in batches, every few seconds and when it stops, so counting costs the hot
credit-check path no database write.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xinyong.clock import today
from xinyong.gateway.models import ApiUsage

LATENCY_BOUNDS = (5, 10, 20, 50, 100, 200, 500, 1000, 5000)  # ms; one more bucket beyond
FLUSH_SECONDS = 5.0

Key = tuple[date, str, str, str]


@dataclass
class _Tally:
    calls: int = 0
    latency_ms: float = 0.0
    histogram: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BOUNDS) + 1))

    def add(self, latency_ms: float) -> None:
        self.calls += 1
        self.latency_ms += latency_ms
        self.histogram[bisect_left(LATENCY_BOUNDS, latency_ms)] += 1


def family_of(path: str) -> str:
    """``/api/v1/checks/bulk/…`` -> ``checks``: the interface family quotas and statistics
    are kept by."""
    parts = path.split("/")
    return parts[3] if len(parts) > 3 and parts[3] else "other"


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class UsageRecorder:
    def __init__(self) -> None:
        self._pending: dict[Key, _Tally] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, caller: str, family: str, status: int, latency_ms: float) -> None:
        key = (today(), caller, family, status_class(status))
        with self._lock:
            tally = self._pending.get(key)
            if tally is None:
                tally = self._pending[key] = _Tally()
            tally.add(latency_ms)

    def take(self) -> dict[Key, _Tally]:
        with self._lock:
            pending, self._pending = self._pending, {}
        return pending

    def flush(self, engine: Engine) -> int:
        """Add the counts so far to the database; returns the number of calls written. When
        the database cannot take them now (SQLite's write lock held by a batch), they are
        kept for the next flush."""
        pending = self.take()
        if not pending:
            return 0
        try:
            with Session(engine) as session, session.begin():
                add_counts(session, pending.items())
        except OperationalError:
            self._restore(pending)
            return 0
        return sum(t.calls for t in pending.values())

    def _restore(self, pending: dict[Key, _Tally]) -> None:
        with self._lock:
            for key, tally in pending.items():
                mine = self._pending.setdefault(key, _Tally())
                mine.calls += tally.calls
                mine.latency_ms += tally.latency_ms
                mine.histogram = [
                    a + b for a, b in zip(mine.histogram, tally.histogram, strict=True)
                ]

    def start(self, engine: Engine) -> None:
        def loop() -> None:
            while not self._stop.wait(FLUSH_SECONDS):
                self.flush(engine)

        self._stop.clear()
        self._thread = threading.Thread(target=loop, name="usage-flush", daemon=True)
        self._thread.start()

    def stop(self, engine: Engine) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush(engine)


def add_counts(session: Session, counts: Iterable[tuple[Key, _Tally]]) -> None:
    for (day, caller, family, klass), tally in counts:
        row = session.execute(
            select(ApiUsage)
            .where(
                ApiUsage.day == day,
                ApiUsage.caller == caller,
                ApiUsage.family == family,
                ApiUsage.status_class == klass,
            )
            .with_for_update()
        ).scalar_one_or_none()
        if row is None:
            session.add(
                ApiUsage(
                    day=day,
                    caller=caller,
                    family=family,
                    status_class=klass,
                    calls=tally.calls,
                    latency_ms=tally.latency_ms,
                    histogram=list(tally.histogram),
                )
            )
            session.flush()
            continue
        row.calls += tally.calls
        row.latency_ms += tally.latency_ms
        row.histogram = [a + b for a, b in zip(row.histogram, tally.histogram, strict=True)]


recorder = UsageRecorder()


def percentile_ms(histogram: list[int], share: float) -> float | None:
    """The upper bound of the bucket holding the ``share`` quantile (None: no calls)."""
    total = sum(histogram)
    if total == 0:
        return None
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= share * total:
            return float(LATENCY_BOUNDS[index]) if index < len(LATENCY_BOUNDS) else float("inf")
    return float("inf")


ALERT_FACTOR = 3.0
ALERT_MIN_CALLS = 20  # a handful of calls is never an alert


def baseline_alerts(session: Session, day: date) -> list[dict[str, Any]]:
    """Callers whose calls on ``day`` exceed three times their daily average over the seven
    days before (a key copied elsewhere, a runaway loop, a scrape)."""
    first = day - timedelta(days=7)
    rows = session.execute(
        select(ApiUsage.caller, ApiUsage.day, ApiUsage.calls).where(
            ApiUsage.day >= first, ApiUsage.day <= day
        )
    ).all()
    before: dict[str, int] = {}
    today_calls: dict[str, int] = {}
    for caller, when, calls in rows:
        target = today_calls if when == day else before
        target[caller] = target.get(caller, 0) + calls
    alerts = []
    for caller, calls in sorted(today_calls.items()):
        baseline = before.get(caller, 0) / 7
        if calls >= ALERT_MIN_CALLS and calls > ALERT_FACTOR * baseline:
            alerts.append(
                {
                    "caller": caller,
                    "calls": calls,
                    "baseline": round(baseline, 1),
                    "message": (
                        f"{caller} 今日调用 {calls} 次，超过近7日日均 {baseline:.1f} 次的3倍"
                    ),
                }
            )
    return alerts


def usage_report(session: Session, days: int, until: date | None = None) -> dict[str, Any]:
    """Calls per day, per caller and per family over the last ``days`` days, with errors and
    the 95th percentile latency."""
    last = until or today()
    first = last - timedelta(days=days - 1)
    rows = session.execute(
        select(ApiUsage).where(ApiUsage.day >= first, ApiUsage.day <= last)
    ).scalars()
    by_day: dict[date, _Tally] = {}
    by_caller: dict[str, _Tally] = {}
    by_family: dict[str, _Tally] = {}
    errors: dict[date, int] = {}
    for row in rows:
        for bucket, key in ((by_day, row.day), (by_caller, row.caller), (by_family, row.family)):
            tally = bucket.setdefault(key, _Tally())  # type: ignore[arg-type]
            tally.calls += row.calls
            tally.latency_ms += row.latency_ms
            tally.histogram = [a + b for a, b in zip(tally.histogram, row.histogram, strict=True)]
        if row.status_class in ("4xx", "5xx"):
            errors[row.day] = errors.get(row.day, 0) + row.calls

    def shown(tally: _Tally) -> dict[str, Any]:
        return {"calls": tally.calls, "p95_ms": percentile_ms(tally.histogram, 0.95)}

    return {
        "alerts": baseline_alerts(session, last),
        "from": first,
        "to": last,
        "days": [
            {"day": d, **shown(by_day[d]), "errors": errors.get(d, 0)} for d in sorted(by_day)
        ],
        "callers": sorted(
            ({"caller": c, **shown(t)} for c, t in by_caller.items()),
            key=lambda entry: -int(entry["calls"]),
        ),
        "families": [{"family": f, **shown(t)} for f, t in sorted(by_family.items())],
    }
