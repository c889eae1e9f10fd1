"""The FastAPI application: API, offline OpenAPI page and the portal."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from xinyong import __version__
from xinyong.api.deps import gate
from xinyong.api.routers import (
    catalog,
    checks,
    evaluation,
    exchange,
    gateway,
    graph,
    health,
    ingest,
    lending,
    monitoring,
    ops,
    reports,
    services,
    subjects,
)
from xinyong.catalog.registry import get_catalog
from xinyong.db.engine import get_engine
from xinyong.gateway import usage
from xinyong.gateway.middleware import UsageMiddleware
from xinyong.measures.registry import measure_book
from xinyong.measures.service import close_check_services
from xinyong.ops.metrics import Metrics, ObservedMiddleware
from xinyong.permissions.policy import NotAuthenticated, PermissionDenied
from xinyong.permissions.routes import check_routes
from xinyong.portal.errors import bad_input_page

DESCRIPTION = """
信用（xinyong）公共信用信息平台统一接口。

* 未携带凭证时返回**公开视图**：仅公开目录项、公示期内的记录，个人身份证号码脱敏。
* 政务系统使用 `X-API-Key` 请求头（权限范围 `read`）获得政务共享视图；查询自然人须说明用途，
  每次查询均记入审计日志。
"""


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # What start-up built (catalog, measure book, models, routes) lives as long as the
    # process: keep it out of the garbage collector's full passes, which otherwise walk it
    # again and again while requests allocate.
    gc.freeze()
    engine = get_engine()
    usage.recorder.start(engine)
    yield
    await close_check_services()
    usage.recorder.stop(engine)


def create_app(*, access_log: bool = False) -> FastAPI:
    """The application; ``access_log``: one log line per request (``xinyong serve``)."""
    get_catalog()  # a broken catalog stops start-up here, naming the file
    measure_book()  # so does a punishment measure without a legal basis
    app = FastAPI(
        lifespan=_lifespan,
        title="信用 xinyong 公共信用信息平台 API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    # Swagger UI 5 (OpenAPI 3.1, as FastAPI emits), served from the installed package.
    app.add_middleware(UsageMiddleware, recorder=usage.recorder)
    app.state.metrics = Metrics(get_engine())
    # outermost: the request id and the timing cover everything below
    app.add_middleware(ObservedMiddleware, metrics=app.state.metrics, access_log=access_log)
    swagger_dir = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/static/swagger", StaticFiles(directory=swagger_dir), name="swagger")

    gated = [Depends(gate)]  # every route's permission, before its body is read

    @app.get("/docs", include_in_schema=False, dependencies=gated)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="信用 xinyong API 文档",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon.png",
            # No call to the public validator: the page works without the internet.
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": False},
        )

    app.include_router(checks.hot_router)  # first: routes are matched in order; gates itself
    app.include_router(health.router, dependencies=gated)
    app.include_router(ops.router, dependencies=gated)
    app.include_router(checks.router, dependencies=gated)
    app.include_router(subjects.router, dependencies=gated)
    app.include_router(graph.router, dependencies=gated)
    app.include_router(catalog.router, dependencies=gated)
    app.include_router(ingest.router, dependencies=gated)
    app.include_router(services.router, dependencies=gated)
    app.include_router(evaluation.router, dependencies=gated)
    app.include_router(exchange.router, dependencies=gated)
    app.include_router(reports.router, dependencies=gated)
    app.include_router(monitoring.router, dependencies=gated)
    app.include_router(gateway.router, dependencies=gated)
    app.include_router(lending.router, dependencies=gated)
    from xinyong.portal.routes import router as portal_router
    from xinyong.portal.routes import static_files

    app.mount("/static/portal", static_files(), name="portal-static")
    app.include_router(portal_router, dependencies=gated)
    from xinyong.portal.grades import router as grades_router
    from xinyong.portal.me import router as me_router
    from xinyong.portal.pages import router as pages_router
    from xinyong.workbench.routes import LoginRequired
    from xinyong.workbench.routes import router as workbench_router

    app.include_router(pages_router, dependencies=gated)
    app.include_router(grades_router, dependencies=gated)
    from xinyong.portal.reports import router as reports_pages_router

    app.include_router(reports_pages_router, dependencies=gated)
    app.include_router(me_router, dependencies=gated)
    app.include_router(workbench_router, dependencies=gated)
    from xinyong.workbench.evaluation import router as evaluation_screen_router
    from xinyong.workbench.integrity import router as integrity_screen_router
    from xinyong.workbench.interface import router as interface_router
    from xinyong.workbench.lending import router as lending_screen_router
    from xinyong.workbench.publishing import router as publishing_router

    app.include_router(interface_router, dependencies=gated)
    app.include_router(publishing_router, dependencies=gated)
    app.include_router(evaluation_screen_router, dependencies=gated)
    app.include_router(integrity_screen_router, dependencies=gated)
    from xinyong.workbench.reports import router as reports_screen_router

    app.include_router(reports_screen_router, dependencies=gated)
    from xinyong.workbench.monitoring import router as monitoring_screens

    app.include_router(monitoring_screens, dependencies=gated)
    app.include_router(lending_screen_router, dependencies=gated)

    @app.exception_handler(LoginRequired)
    def to_login(_request: Request, _exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/workbench/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        return bad_input_page(request, exc)

    @app.exception_handler(PermissionDenied)
    def refused(request: Request, exc: PermissionDenied) -> Response:
        return _refusal(request, exc)

    check_routes(app.routes, gate)  # a route without a permission entry stops start-up
    return app


def create_served_app() -> FastAPI:
    """The application ``xinyong serve`` runs: with one access log line per request."""
    return create_app(access_log=True)


MACHINE_PATHS = frozenset({"/metrics", "/readyz"})  # read by programs: JSON refusals too


def _refusal(request: Request, exc: PermissionDenied) -> Response:
    """401/403 with the Chinese reason: JSON for the API, a page (or the login) elsewhere."""
    path = request.url.path
    if path.startswith("/api/") or path in MACHINE_PATHS:
        headers = {"WWW-Authenticate": "X-API-Key"} if exc.status == 401 else {}
        headers |= exc.headers or {}
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)
    if isinstance(exc, NotAuthenticated) and path.startswith("/workbench"):
        return RedirectResponse("/workbench/login", status_code=303)
    if isinstance(exc, NotAuthenticated) and path.startswith("/me"):
        return RedirectResponse("/me/login", status_code=303)
    from xinyong.workbench.routes import refusal_page

    return refusal_page(request, str(exc), exc.status)
