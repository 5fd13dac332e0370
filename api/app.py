"""The FastAPI application: thin routes over the composition root's container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.metrics import MetricsMiddleware
from api.middleware import BodyGuard
from api.openapi import truthful_openapi
from api.routes import appointments, audit, health, webhooks
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings

DESCRIPTION = """
An event-sourced appointment scheduling service. Every change is an event in
PostgreSQL; retrieve and list read projections of those events; change logs,
time travel and the event feed are derived from them.

Times are Unix epoch milliseconds (UTC). Errors always have the body
`{"error": {"type", "code", "message", "param"}}`.
"""


def create_app(
    make_container: Callable[[], Container], *, run_projections: bool = True
) -> FastAPI:
    """The API over a container built at start-up (once per worker process)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = make_container()
        if run_projections:
            container.start_projections()
        app.state.container = container
        try:
            yield
        finally:
            container.close()

    app = FastAPI(
        title="Appointments API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.openapi = lambda: truthful_openapi(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    app.include_router(appointments.router)
    app.include_router(audit.router)
    app.include_router(webhooks.router)
    app.include_router(health.router)
    app.add_middleware(BodyGuard)
    app.add_middleware(MetricsMiddleware)
    return app


def create_app_from_settings() -> FastAPI:
    """The factory ``uvicorn`` calls in each worker (``appointments serve``)."""
    return create_app(lambda: bootstrap(load_settings()))
