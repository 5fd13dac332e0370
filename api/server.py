"""``appointments serve``: the HTTP API with projections in-process."""

from __future__ import annotations

import uvicorn

from api.nodelay import NoDelayH11Protocol
from api.port_check import ensure_port_free
from infrastructure.bootstrap import resolve_database_url
from infrastructure.database import check_reachable
from infrastructure.settings import Settings

GRACEFUL_SHUTDOWN_SECONDS = 10


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run uvicorn; Ctrl-C finishes requests in flight, then stops."""
    ensure_port_free(host, port)
    url = resolve_database_url(settings)
    check_reachable(url, connect_timeout=settings.database_connect_timeout)
    uvicorn.run(
        "api.app:create_app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayH11Protocol,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_level="info",
    )
