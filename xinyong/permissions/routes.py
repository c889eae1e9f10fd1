"""The action behind every route: the application refuses to start with a route missing here.

A route's action is the least a caller must hold to reach it; the service it calls then
authorizes the precise action (``publish`` rather than ``request``) on the precise data (the
record's source department). Static file mounts serve no data and need no entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute

from xinyong.permissions.actions import ACTIONS

ROUTE_ACTIONS: dict[str, str] = {
    # -- operations and documentation
    "GET /healthz": "public.read",
    "GET /readyz": "public.read",
    "GET /metrics": "ops.metrics",
    "GET /docs": "public.read",
    "GET /openapi.json": "public.read",
    # -- API: subjects, catalog, lists, commitments (public view; more for staff)
    "GET /api/v1/subjects": "public.read",
    "GET /api/v1/subjects/{code}": "public.read",
    # public: grade, meaning and day; staff (evaluation.read): score, explanation, history
    "GET /api/v1/subjects/{code}/evaluation": "public.read",
    "GET /api/v1/evaluation/models": "public.read",
    "GET /api/v1/subjects/{code}/graph": "public.read",
    "GET /api/v1/subjects/{code}/control": "public.read",
    "GET /api/v1/catalog": "public.read",
    "GET /api/v1/lists/{code}": "public.read",
    "GET /api/v1/commitments": "public.read",
    "GET /api/v1/matters": "public.read",
    "GET /api/v1/measures": "public.read",
    # -- API: credit reports (the service decides which report the caller may have)
    "POST /api/v1/reports": "report.public",
    "GET /api/v1/reports/verify": "public.read",
    "GET /api/v1/reports/domains": "public.read",
    "GET /api/v1/reports/statistics": "report.read",
    "POST /api/v1/reports/{number}/revoke": "report.revoke",
    # -- API: data aggregation
    "POST /api/v1/ingest/{item}": "records.ingest",
    "GET /api/v1/ingest/batches/{batch_id}": "batch.read_rejected",
    "GET /api/v1/ingest/batches/{batch_id}/rejected": "batch.read_rejected",
    "GET /api/v1/quality": "quality.read",
    # -- API: objections and repair
    "POST /api/v1/objections": "objection.file",
    "POST /api/v1/subjects/{code}/evaluation/objections": "objection.file",
    # warnings, trends and city credit monitoring (issue 23)
    "GET /api/v1/warnings": "warning.read",
    "POST /api/v1/warnings/{warning_id}/acknowledge": "warning.handle",
    "GET /api/v1/trends": "trend.read",
    "GET /api/v1/monitoring/{month}": "monitoring.read",
    "POST /api/v1/monitoring/{month}/compute": "monitoring.compute",
    "GET /api/v1/monitoring/{month}/indicators/{code}/rows": "monitoring.read",
    "GET /api/v1/monitoring-followups": "monitoring.read",
    "POST /api/v1/monitoring-followups/{task_id}": "monitoring.followup",
    "GET /api/v1/objections/track/{tracking_code}": "public.read",
    "GET /api/v1/objections": "objection.read",
    "POST /api/v1/objections/{objection_id}/actions": "objection.decide",
    "POST /api/v1/repairs": "repair.apply",
    "GET /api/v1/repairs": "repair.read",
    "POST /api/v1/repairs/{application_id}/actions": "repair.decide",
    # -- API: dual publicity, lists, commitments
    "POST /api/v1/publications/{record_id}/actions": "publication.request",
    "GET /api/v1/publications/statistics": "publication.read",
    "POST /api/v1/list-recognitions": "list.recognise",
    "POST /api/v1/list-recognitions/{entry_id}/actions": "list.recognise",
    "POST /api/v1/commitments/{record_id}/breach": "commitment.breach",
    # -- API: credit checks and joint measures
    "POST /api/v1/checks": "check.run",
    "POST /api/v1/checks/bulk": "check.run",
    "GET /api/v1/checks/bulk/{job_id}": "check.read_bulk",
    "GET /api/v1/checks/bulk/{job_id}/result": "check.read_bulk",
    "POST /api/v1/joint-tasks": "joint.initiate",
    "POST /api/v1/feedback": "joint.feedback",
    "GET /api/v1/joint/statistics": "joint.read",
    # -- API: upward exchange, downward lists, government integrity
    "GET /api/v1/exchange/packages": "exchange.read",
    "POST /api/v1/exchange/packages": "exchange.manage",
    "POST /api/v1/exchange/receipts": "exchange.manage",
    "GET /api/v1/exchange/overdue": "exchange.read",
    "GET /api/v1/exchange/queue": "exchange.read_queue",
    "POST /api/v1/exchange/rows/{row_id}/resubmit": "exchange.resubmit",
    "POST /api/v1/exchange/lists": "joint.initiate",
    "GET /api/v1/government/arrears": "integrity.read_arrears",
    # -- API: the interface service
    "GET /api/v1/usage": "usage.read",
    "GET /api/v1/feeds/{item}": "feed.read",
    # -- API: 信易贷 (lending)
    "GET /api/v1/loan-products": "public.read",
    "POST /api/v1/loan-products": "loan.publish",
    "GET /api/v1/loan-applications": "loan.read",
    "POST /api/v1/loan-applications/{application_id}/actions": "loan.respond",
    "POST /api/v1/loan-applications/{application_id}/check": "loan.respond",
    "GET /api/v1/authorisations/{authorisation_id}/records/{item}": "authorised.read",
    "GET /api/v1/lending/statistics": "lending.statistics",
    # -- portal: own pages of enterprises and citizens
    "GET /me/login": "session.login",
    "POST /me/login": "session.login",
    "POST /me/logout": "session.login",
    "GET /me": "self.read",
    "POST /me/authorisations": "self.authorise",
    "POST /me/authorisations/{authorisation_id}/revoke": "self.authorise",
    "GET /me/loans/new": "loan.apply",
    "POST /me/loans": "loan.apply",
    "POST /me/loans/{application_id}/withdraw": "loan.apply",
    # -- portal
    "GET /": "public.read",
    "GET /search": "public.read",
    "GET /subjects/{code}": "public.read",
    "GET /lists/{code}": "public.read",
    "GET /publicity": "public.read",
    "GET /commitments": "public.read",
    "GET /news": "public.read",
    "GET /news/{article_id}": "public.read",
    "GET /objections/new": "public.read",
    "POST /objections": "objection.file",
    "GET /objections/grade": "public.read",
    "POST /objections/grade": "objection.file",
    "GET /track": "public.read",
    "GET /repairs/new": "public.read",
    "POST /repairs": "repair.apply",
    "POST /subjects/{code}/report": "report.public",
    "GET /reports/verify": "public.read",
    "GET /reports/{number}": "public.read",  # with the report's verification code
    "GET /reports/{number}/pdf": "public.read",
    # -- workbench
    "GET /workbench/login": "session.login",
    "POST /workbench/login": "session.login",
    "POST /workbench/logout": "session.login",
    "GET /workbench": "workbench.enter",
    "GET /workbench/publications": "publication.read",
    "POST /workbench/publications/{record_id}": "publication.review",
    "POST /workbench/publications/request": "publication.request",
    "POST /workbench/publications/review": "publication.review",
    "POST /workbench/publications/{record_id}/withdraw": "publication.withdraw",
    "GET /workbench/objections": "objection.read",
    "POST /workbench/objections/{objection_id}": "objection.decide",
    "GET /workbench/evaluation": "evaluation.read",
    "GET /workbench/reports": "report.read",
    "POST /workbench/reports": "report.issue",
    "POST /workbench/reports/{number}/revoke": "report.revoke",
    "GET /workbench/warnings": "warning.read",
    "POST /workbench/warnings/{warning_id}": "warning.handle",
    "GET /workbench/trends": "trend.read",
    "GET /workbench/monitoring": "monitoring.read",
    "GET /workbench/monitoring/rows": "monitoring.read",
    "POST /workbench/monitoring/followups/{task_id}": "monitoring.followup",
    "GET /workbench/repairs": "repair.read",
    "POST /workbench/repairs/{application_id}": "repair.decide",
    "GET /workbench/conflicts": "conflict.read",
    "POST /workbench/conflicts/{case_id}": "conflict.resolve",
    "GET /workbench/quality": "quality.read",
    "GET /workbench/upload": "records.ingest",
    "POST /workbench/upload": "records.ingest",
    "GET /workbench/batches/{batch_id}/rejected": "batch.read_rejected",
    "GET /workbench/audit": "audit.read",
    "GET /workbench/articles": "article.manage",
    "POST /workbench/articles": "article.manage",
    "GET /workbench/lists": "list.read_recognitions",
    "POST /workbench/lists": "list.recognise",
    "POST /workbench/lists/{entry_id}": "list.recognise",
    "GET /workbench/joint": "joint.read",
    "POST /workbench/joint/{task_id}": "joint.feedback",
    "GET /workbench/arrears": "integrity.read_arrears",
    "GET /workbench/exchange": "exchange.read_queue",
    "POST /workbench/exchange/rows/{row_id}": "exchange.resubmit",
    "GET /workbench/keys": "account.manage",
    "POST /workbench/keys": "account.manage",
    "POST /workbench/keys/{key_id}": "account.manage",
    "POST /workbench/consumers": "account.manage",
    "POST /workbench/consumers/{consumer_id}": "account.manage",
    "GET /workbench/access": "access.apply",
    "POST /workbench/access": "access.apply",
    "GET /workbench/usage": "usage.read",
    "GET /workbench/lending": "lending.statistics",
}


# Routes that call the gate themselves instead of declaring it as a dependency (hot paths).
SELF_GATED = frozenset({"POST /api/v1/checks"})


class RouteWithoutPermission(RuntimeError):
    pass


def route_key(method: str, path: str) -> str:
    return f"{'GET' if method == 'HEAD' else method} {path}"


def iter_route_keys(routes: Iterable[BaseRoute]) -> Iterator[str]:
    """``METHOD /path`` of every route serving requests (mounts of static files excepted)."""
    for context in iter_route_contexts(list(routes)):
        path = getattr(context, "path", None)
        for method in sorted(getattr(context, "methods", None) or ()):
            if method != "HEAD" and path is not None:
                yield route_key(method, path)


def check_routes(routes: Iterable[BaseRoute], gate: Callable[..., Any] | None = None) -> None:
    """Refuse an application with a route the permission model does not know, or (given the
    gate) a route that does not pass through it."""
    routes = list(routes)
    if gate is not None:
        ungated = sorted(set(_ungated(routes, gate)) - SELF_GATED)
        if ungated:
            raise RouteWithoutPermission("以下路由未经权限检查（gate）：" + "；".join(ungated))
    keys = set(iter_route_keys(routes))
    missing = sorted(keys - ROUTE_ACTIONS.keys())
    if missing:
        raise RouteWithoutPermission(
            "以下路由没有在权限模型（xinyong/permissions/routes.py）中登记：" + "；".join(missing)
        )
    unknown = sorted({a for a in ROUTE_ACTIONS.values() if a not in ACTIONS})
    if unknown:
        raise RouteWithoutPermission(f"路由表引用了不存在的操作：{'、'.join(unknown)}")


def _ungated(routes: list[BaseRoute], gate: Callable[..., Any]) -> Iterator[str]:
    for context in iter_route_contexts(routes):
        dependant = getattr(context, "dependant", None)
        path = getattr(context, "path", None)
        if dependant is None or path is None:
            continue
        if not any(d.call is gate for d in dependant.dependencies):
            for method in sorted(getattr(context, "methods", None) or ()):
                if method != "HEAD":
                    yield route_key(method, path)


def action_for(method: str, path: str) -> str:
    try:
        return ROUTE_ACTIONS[route_key(method, path)]
    except KeyError:
        raise RouteWithoutPermission(f"路由 {method} {path} 没有权限登记") from None
