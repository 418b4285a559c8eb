"""Operations endpoints: liveness, readiness, metrics, the OpenAPI document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .openapi import document


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "alive"})


async def readyz(request: Request) -> Response:
    services = request.app.state.services
    if await services.backend.ready():
        return JSONResponse({"status": "ready", "backend": services.backend.name})
    return JSONResponse({"status": "unavailable", "backend": services.backend.name},
                        status_code=503)


async def metrics(request: Request) -> Response:
    services = request.app.state.services
    return PlainTextResponse(services.metrics.render(),
                             media_type="text/plain; version=0.0.4; charset=utf-8")


async def openapi(request: Request) -> Response:
    return JSONResponse(document())
