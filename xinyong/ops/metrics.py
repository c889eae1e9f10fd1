"""Prometheus metrics and the request id: what ``/metrics`` shows and every log line carries.

Each application has its own registry (``Metrics``), so tests and several apps in one process
do not share counts. ``ObservedMiddleware`` is the outermost layer: it gives every request an
id (the caller's ``X-Request-ID`` when it is a sane token, a new one otherwise), answers with
it, counts the request by method, route template (``/api/v1/subjects/{code}``, never the
caller's values) and status, and times it. ``PlatformCollector`` reads the platform's own
counts at scrape time: rows ingested by outcome, batches waiting, evaluation runs, open
objections and repair applications.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
UNMATCHED = "(未匹配)"
_access = logging.getLogger("xinyong.access")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The metrics of one application."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "xinyong_http_requests",
            "HTTP requests by method, route template and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "xinyong_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        if engine is not None:
            self.registry.register(PlatformCollector(engine))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if _SANE_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex


class ObservedMiddleware:
    """Request id, request counts and latencies, and (optionally) one access log line each."""

    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope)
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            route, method = _route_of(scope), scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if self.access_log:
                _access.info(
                    "%s %s %s %.1f ms",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    extra={
                        "method": method,
                        "route": route,
                        "path": scope.get("path", ""),
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id.reset(token)


_PLATFORM_QUERIES: dict[str, str] = {
    "batches": "SELECT status, count(*) FROM batches GROUP BY status",
    "runs": "SELECT count(*) FROM evaluation_runs",
    "objections": (
        "SELECT count(*) FROM objections WHERE state IN ('submitted', 'accepted', 'verifying')"
    ),
    "repairs": "SELECT count(*) FROM repair_applications WHERE state IN ('submitted', 'accepted')",
}


def _rows_sql(engine: Engine) -> str:
    """The sum of one key of the batches' counts (JSON) in the engine's dialect."""
    if engine.dialect.name == "postgresql":
        value = "CAST(json_extract_path_text(CAST(counts AS json), :k) AS BIGINT)"
    else:
        value = "CAST(json_extract(counts, '$.' || :k) AS INTEGER)"
    return f"SELECT coalesce(sum({value}), 0) FROM batches"


class PlatformCollector(Collector):
    """The platform's own counts, read from the database at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> list[Any]:
        return []  # counts are read at collect time only; nothing to read at registration

    def collect(self) -> Iterator[Any]:
        rows = CounterMetricFamily(
            "xinyong_ingest_rows", "Rows of finished batches by outcome", labels=["outcome"]
        )
        batches = GaugeMetricFamily(
            "xinyong_ingest_batches",
            "Batches by state (queued, running: the queue)",
            labels=["state"],
        )
        with self.engine.connect() as connection:
            for outcome in ("accepted", "rejected"):
                total = connection.execute(text(_rows_sql(self.engine)), {"k": outcome})
                rows.add_metric([outcome], float(total.scalar_one()))
            for state, count in connection.execute(text(_PLATFORM_QUERIES["batches"])):
                batches.add_metric([state], float(count))
            runs = connection.execute(text(_PLATFORM_QUERIES["runs"])).scalar_one()
            objections = connection.execute(text(_PLATFORM_QUERIES["objections"])).scalar_one()
            repairs = connection.execute(text(_PLATFORM_QUERIES["repairs"])).scalar_one()
        yield rows
        yield batches
        yield CounterMetricFamily(
            "xinyong_evaluation_runs", "Full evaluation runs recorded", value=float(runs)
        )
        yield GaugeMetricFamily(
            "xinyong_open_objections",
            "Objections received or accepted, not yet decided",
            value=float(objections),
        )
        yield GaugeMetricFamily(
            "xinyong_open_repairs", "Repair applications not yet decided", value=float(repairs)
        )
