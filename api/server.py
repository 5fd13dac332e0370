"""``appointments serve``: the HTTP API with projections in-process."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from api.nodelay import NoDelayHttpToolsProtocol
from api.port_check import ensure_port_free
from api.projector import ProjectorProcess
from api.request_log import log_config
from application.access import INITIAL_ADMIN, ApiKeyStore, Scope
from infrastructure.bootstrap import bootstrap, resolve_database_url
from infrastructure.database import check_reachable
from infrastructure.settings import Settings

GRACEFUL_SHUTDOWN_SECONDS = 10


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run uvicorn; Ctrl-C finishes requests in flight, then stops. With one
    worker, it runs the projections too; with more, a projector process does
    (``api.projector``), unless ``APPOINTMENTS_SERVE_PROJECTIONS=false``."""
    ensure_port_free(host, port)
    url = resolve_database_url(settings)
    check_reachable(url, connect_timeout=settings.database_connect_timeout)
    prepare_store(settings, url)
    projector = workers > 1 and settings.serve_projections
    with ProjectorProcess(url) if projector else nullcontext():
        run_uvicorn(
            "api.app:create_api_app_from_settings"
            if projector
            else "api.app:create_app_from_settings",
            host=host,
            port=port,
            workers=workers,
        )


def run_uvicorn(factory: str, *, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayHttpToolsProtocol,
        loop="uvloop",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        log_level="info",
        log_config=log_config(LOGGING_CONFIG),
        access_log=False,
    )


def prepare_store(settings: Settings, url: str) -> None:
    """Create the tables, check the encryption key against the stored events
    (a wrong one stops here, as one line), and make the first key."""
    container = bootstrap(settings, database_url=url)
    try:
        announce_initial_key(container.api_keys)
    finally:
        container.close()


def announce_initial_key(keys: ApiKeyStore) -> None:
    """On a store without any key: an ``admin`` key, its secret printed once
    (alone on standard output; the explanation on standard error)."""
    secret = keys.create_initial(INITIAL_ADMIN, frozenset({Scope.ADMIN}))
    if secret is None:
        return
    print(
        f"appointments: created the API key {INITIAL_ADMIN!r} (scope admin); "
        "its secret, shown only now:",
        file=sys.stderr,
    )
    print(secret, flush=True)
    print(
        "appointments: make narrower keys with: appointments keys create "
        "--name NAME --scopes appointments:read (see `appointments keys --help`)",
        file=sys.stderr,
        flush=True,
    )
