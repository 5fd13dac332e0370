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
stored body otherwise. Retrieves that arrive while the pool's connections are
all busy are asked together, in the next statement (``VersionChecks``): under
load one round trip answers many of them, as the group commit does for writes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import SQL
from psycopg_pool import AsyncConnectionPool, PoolClosed

from application.queries import RenderedAppointment
from infrastructure.read_model.invalidation import CacheListener
from infrastructure.read_model.rendering import response_body
from infrastructure.read_model.replica import ReplicaReads
from infrastructure.read_model.view import AppointmentsView
from infrastructure.sql_text import rendered

NO_VERSION = -1
RETRIEVE_POOL_SIZE = 1
"""Connections for the version checks of one process, and statements in
flight: one statement asks for every retrieve waiting when it is sent, so a
second one in flight only splits the batch. Measured with ``bench.ab`` (six
rounds, two workers): one in flight served 1.07x the retrieves of three
(every round 1.01x-1.16x), with a lower p99 (docs/performance.md, "Round
three")."""

MAX_CHECKS_PER_STATEMENT = 256

Row = tuple[int, str | None, Any]
"""``(version, body, document)``: body and document are null when the version
is the one the reader knows; document (``jsonb``) only for rows written before
``document_json`` existed."""


def version_checks(view: AppointmentsView) -> bytes:
    """One ``(n, *Row)`` per asked id the table holds, ``n`` the id's place
    (from 1) in the asked ids, each asked with the version its reader knows."""
    statement = SQL(
        "SELECT asked.n, a.version, "
        "CASE WHEN a.version = asked.known THEN NULL ELSE a.document_json END, "
        "CASE WHEN a.version <> asked.known AND a.document_json IS NULL "
        "THEN a.document END "
        "FROM unnest(%(ids)s::text[], %(known)s::bigint[]) "
        "WITH ORDINALITY AS asked(id, known, n) "
        "JOIN {table} AS a ON a.id = asked.id"
    ).format(table=view.tables.appointments)
    return rendered(statement)


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


@dataclass(frozen=True)
class Check:
    appointment_id: str
    known: int
    answer: asyncio.Future[Row | None]


class VersionChecks:
    """Version checks from one event loop, sent with at most ``pools.size``
    statements in flight: a check made while they are all in flight waits
    for the next one, which asks for every check then waiting (up to
    ``MAX_CHECKS_PER_STATEMENT``)."""

    def __init__(
        self,
        pools: AsyncPools,
        source: Callable[[], AppointmentsView],
        statement: bytes,
    ) -> None:
        self.pools = pools
        self.source = source
        self.statement = statement
        self._waiting: deque[Check] = deque()
        self._sending = 0
        self._senders: set[asyncio.Task[None]] = set()  # held until done
        self._loop: asyncio.AbstractEventLoop | None = None

    async def check(self, appointment_id: str, known: int) -> Row | None:
        """The row of ``appointment_id`` (None if the table has none), its
        body left out when its version is ``known``."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests): nothing carries over
            self._loop, self._waiting, self._sending = loop, deque(), 0
            self._senders = set()
        check = Check(appointment_id, known, loop.create_future())
        self._waiting.append(check)
        if self._sending < self.pools.size:
            self._sending += 1
            sender = loop.create_task(self._send_waiting())
            self._senders.add(sender)
            sender.add_done_callback(self._senders.discard)
        return await check.answer

    async def _send_waiting(self) -> None:
        """Send statements until no check waits. The count of senders drops
        with no ``await`` after the last look at the queue, so a check made
        at any later point starts a sender of its own. (A finished task is
        still in ``_senders`` until its done callbacks run, a turn of the
        loop later: counting that set made a check queued in between wait
        forever.)"""
        try:
            while self._waiting:
                count = min(len(self._waiting), MAX_CHECKS_PER_STATEMENT)
                checks = [self._waiting.popleft() for _ in range(count)]
                try:
                    rows = await self._fetch(checks)
                except Exception as error:  # each reader falls back to the route
                    answer_all(checks, error)
                    continue
                except BaseException as error:  # cancelled: none of them hangs
                    answer_all(checks, error)
                    raise
                for place, check in enumerate(checks, start=1):
                    if not check.answer.done():  # its reader may have gone
                        check.answer.set_result(rows.get(place))
        finally:
            self._sending -= 1

    async def _fetch(self, checks: list[Check]) -> dict[int, Row]:
        view = self.source()
        pool = await self.pools.pool(view)
        asked = {
            "ids": [check.appointment_id for check in checks],
            "known": [check.known for check in checks],
        }
        async with pool.connection() as connection:
            cursor = await connection.execute(self.statement, asked)
            rows = await cursor.fetchall()
        return {place: (version, body, doc) for place, version, body, doc in rows}


def answer_all(checks: list[Check], error: BaseException) -> None:
    for check in checks:
        if check.answer.done():
            continue
        if isinstance(error, Exception):
            check.answer.set_exception(error)
        else:  # the sender was cancelled: the loop is closing
            check.answer.cancel()


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
        # A replica's tables have the primary's names: one statement for both.
        self.checks = VersionChecks(pools, self._source, version_checks(view))

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
            row = await self.checks.check(appointment_id, known)
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

    def _source(self) -> AppointmentsView:
        """The replica's view while reads go there, else the primary's."""
        reader = None if self.replica is None else self.replica.reader
        return self.view if reader is None else reader.read_model.view
