"""The unified API (统一接口服务): FastAPI application and routers."""
