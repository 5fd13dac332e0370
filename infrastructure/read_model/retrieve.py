"""Retrieve's fast path: stored response bodies, cached in-process, read on
the event loop (implements ``application.queries.RenderedReads``).

Where a cached body may be served without asking the database (*trusted*):
only in the process whose runner leads (every batch of the projection then
goes through this process's ``AppointmentsView.apply``, which invalidates
the cache around its commit, before any writer waiting for it is woken), while
its listener is connected and no rebuild is under way, and without a read
replica (a write there answers once the replica shows it).

Everywhere else each retrieve asks the database the cheapest question that
keeps read-your-writes across processes: one statement, on an asynchronous
pool, that returns only the version when it equals the cached one, and the
stored body otherwise.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg.sql import SQL, Composed
from psycopg_pool import AsyncConnectionPool, PoolClosed

from application.queries import RenderedAppointment
from infrastructure.read_model.invalidation import CacheListener
from infrastructure.read_model.rendering import response_body
from infrastructure.read_model.replica import ReplicaReads
from infrastructure.read_model.view import AppointmentsView

NO_VERSION = -1

Row = tuple[int, str | None, Any]


def version_check(view: AppointmentsView) -> Composed:
    """``(version, body, document)``: body and document are null when the
    version is the one given; document (``jsonb``) only for rows written
    before ``document_json`` existed."""
    return SQL(
        "SELECT version, "
        "CASE WHEN version = %(known)s THEN NULL ELSE document_json END, "
        "CASE WHEN version <> %(known)s AND document_json IS NULL "
        "THEN document END "
        "FROM {table} WHERE id = %(id)s"
    ).format(table=view.tables.appointments)


class AsyncPools:
    """One small asynchronous pool per database, opened on first use in the
    running event loop (a new loop, as in tests, gets new pools). Once
    closed, they stay closed for that loop, as a closed pool does."""

    def __init__(self, *, size: int, timeout: float, connect_timeout: int) -> None:
        self.size = size
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._pools: dict[tuple[Any, ...], AsyncConnectionPool] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def pool(self, view: AppointmentsView) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._pools, self._loop, self._closed = {}, loop, False
        if self._closed:
            raise PoolClosed("the read model's asynchronous pools are closed")
        kwargs = connection_kwargs(view, self.connect_timeout)
        key = tuple(sorted(kwargs.items()))
        pool = self._pools.get(key)
        if pool is None:
            pool = AsyncConnectionPool(
                kwargs=kwargs,
                min_size=1,
                max_size=self.size,
                timeout=self.timeout,
                open=False,
            )
            self._pools[key] = pool
            await pool.open()
        return pool

    async def aclose(self) -> None:
        self._loop, self._closed = asyncio.get_running_loop(), True
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            await pool.close()


def connection_kwargs(view: AppointmentsView, connect_timeout: int) -> dict[str, Any]:
    """The view's connection settings (host, database, user, statement
    timeout), in autocommit, rows as tuples."""
    configured = view.datastore.pool.kwargs
    kwargs = dict(configured() if callable(configured) else configured or {})
    kwargs.pop("row_factory", None)
    return {**kwargs, "autocommit": True, "connect_timeout": connect_timeout}


class CachedRetrieve:
    def __init__(
        self,
        view: AppointmentsView,
        listener: CacheListener,
        pools: AsyncPools,
        *,
        replica: ReplicaReads | None = None,
    ) -> None:
        self.view = view
        self.cache = view.bodies
        self.listener = listener
        self.pools = pools
        self.replica = replica
        self.statement = version_check(view)  # a replica's tables: the same names

    @property
    def trusted(self) -> bool:
        """Whether a cached body may be served without asking the database."""
        return (
            self.view.projecting_here.is_set()
            and self.listener.trusted
            and self.replica is None
        )

    async def rendered(self, appointment_id: str) -> RenderedAppointment | None:
        cached = self.cache.get(appointment_id)
        if cached is not None and self.trusted:
            return cached
        token = self.cache.token()
        known = NO_VERSION if cached is None else cached.version
        try:
            row = await self._fetch(appointment_id, known)
        except psycopg.Error:
            return None  # ReadModel.get answers, or says what failed
        if row is None:
            return None
        version, body, document = row
        if cached is not None and version <= known:
            return cached  # unchanged; or a replica behind this process's runner
        rendered = RenderedAppointment(
            version, body.encode() if body is not None else response_body(document)
        )
        self.cache.fill(appointment_id, rendered, token)
        return rendered

    async def aclose(self) -> None:
        await self.pools.aclose()

    async def _fetch(self, appointment_id: str, known: int) -> Row | None:
        view = self._source()
        pool = await self.pools.pool(view)
        async with pool.connection() as connection:
            cursor = await connection.execute(
                self.statement, {"known": known, "id": appointment_id}
            )
            row: Row | None = await cursor.fetchone()
        return row

    def _source(self) -> AppointmentsView:
        """The replica's view while reads go there, else the primary's."""
        reader = None if self.replica is None else self.replica.reader
        return self.view if reader is None else reader.read_model.view
