from __future__ import annotations

import click
import uvicorn

from xinyong.db.engine import get_engine
from xinyong.ops.logs import log_config
from xinyong.settings import get_settings


@click.command(help="启动门户网站与 API 服务。")
@click.option("--port", type=int, default=None, help="端口（默认 XINYONG_PORT 或 8000）")
@click.option("--host", default=None, help="监听地址（默认 XINYONG_HOST 或 127.0.0.1）")
def serve(port: int | None, host: str | None) -> None:
    settings = get_settings()
    get_engine()  # refuses to start with a key that is not the database's
    host = host or settings.host
    port = port or settings.port
    click.echo(f"门户与 API：http://{host}:{port}/  接口文档：http://{host}:{port}/docs")
    uvicorn.run(
        "xinyong.api.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        log_config=log_config(settings.log_format),
        access_log=False,  # ObservedMiddleware writes the access lines, with the request id
    )
