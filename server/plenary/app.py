"""The app factory. Its lifespan owns every resource: backend, hub, features, their tasks."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from . import logs
from .agenda import load_agendas
from .clock import Clock
from .features import all_features
from .gateway import Gateway
from .http.routes import routes as http_routes
from .services import Services
from .settings import Settings
from .shutdown import close_clients_first

log = logging.getLogger("plenary")


class Plenary:
    """The ASGI app: WebSockets at /ws go straight to the gateway (every frame of the fan-out
    passes here, so no middleware sits in between); everything else is Starlette's."""

    def __init__(self, http: Starlette, gateway: Gateway) -> None:
        self.http = http
        self.gateway = gateway
        self.state = http.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            await self.gateway(scope, receive, send)
        else:
            await self.http(scope, receive, send)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Plenary:
    settings = settings or Settings.from_env()
    logs.configure(settings.log_format)
    services = Services(settings, clock=clock)
    for feature_class in all_features():
        services.add(feature_class(services))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start()
        close_clients_first(services.close_clients)  # SIGTERM: 1001, before uvicorn's 1012
        for event in load_agendas(settings.agenda_dir):
            if await services.events.get(event.id) is None:
                await services.events.put(event)
        try:
            yield
        finally:
            await services.stop()

    routes = [
        *http_routes(),
        Mount("/", StaticFiles(directory=settings.client_dir, html=True, check_dir=False)),
    ]
    http = Starlette(routes=routes, lifespan=lifespan)
    http.state.services = services
    return Plenary(http, Gateway(services))
