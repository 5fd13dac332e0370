"""The FastAPI application: thin routes over the composition root's container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.auth_guard import AuthGuard
from api.container_metrics import container_metrics
from api.direct_create import DirectCreate
from api.errors import install_error_handlers
from api.middleware import BodyGuard
from api.openapi import truthful_openapi
from api.request_log import RequestLog
from api.routes import appointments, audit, availability, calendars, health, webhooks
from api.stored_retrieve import StoredRetrieve
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings

DESCRIPTION = """
An event-sourced appointment scheduling service. Every change is an event in
PostgreSQL; retrieve and list read projections of those events; change logs,
time travel and the event feed are derived from them.

Times are Unix epoch milliseconds (UTC). Errors always have the body
`{"error": {"type", "code", "message", "param"}}`.

Every `/v1` request needs `Authorization: Bearer <API key>` (make keys with
`appointments keys create`); each operation names the scope it needs.
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
        container.start_serving()
        app.state.container = container
        try:
            with container_metrics(container):
                yield
        finally:
            await container.retrieve.aclose()
            container.close()

    app = FastAPIOffline(
        title="Appointments API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.openapi = lambda: truthful_openapi(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    app.include_router(appointments.router)
    app.include_router(audit.router)
    app.include_router(availability.router)
    app.include_router(calendars.calendars)
    app.include_router(calendars.feeds)
    app.include_router(webhooks.router)
    app.include_router(health.router)
    app.add_middleware(StoredRetrieve)  # innermost: after the key and the log
    app.add_middleware(DirectCreate)
    app.add_middleware(BodyGuard)
    app.add_middleware(AuthGuard)  # outside BodyGuard: the key before the body
    app.add_middleware(RequestLog)
    return app


def create_app_from_settings() -> FastAPI:
    """The factory ``uvicorn`` calls in each worker (``appointments serve``)."""
    settings = load_settings()
    return create_app(
        lambda: bootstrap(settings), run_projections=settings.serve_projections
    )


def create_api_app_from_settings() -> FastAPI:
    """The factory of ``appointments serve --workers N`` (N > 1): the API
    alone, its projections in the projector process (``api.projector``)."""
    settings = load_settings()
    return create_app(lambda: bootstrap(settings), run_projections=False)
