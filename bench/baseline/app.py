"""The baselines' FastAPI application, served by uvicorn like the service:
``uvicorn bench.baseline.app:create_app --factory --workers N``.

Reads ``BENCH_CRUD_DATABASE_URL`` and ``BENCH_CRUD_POOL_SIZE`` (the service's
pool: that many connections, plus the same 10 of overflow).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from bench.baseline import constant, crud

POOL_OVERFLOW = 10


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    size = int(os.environ.get("BENCH_CRUD_POOL_SIZE", "5"))
    pool = ConnectionPool(
        os.environ["BENCH_CRUD_DATABASE_URL"],
        min_size=size,
        max_size=size + POOL_OVERFLOW,
        open=True,
    )
    app.state.pool = pool
    try:
        yield
    finally:
        pool.close()


def create_app() -> FastAPI:
    app = FastAPI(title="Bench baselines", lifespan=lifespan)
    app.include_router(crud.router)
    app.include_router(constant.router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
