"""A rebuild's replay, one appointment at a time, on two cores.

Replaying the feed in order rewrites an appointment's rows once per event
(its events land in different batches). Reading the store by appointment
instead, every appointment is folded from all its events in memory and
written once: the fresh tables receive one row set per appointment.

The events are read in appointment order, in chunks of whole appointments
(``StoredChunks``; each page is read in a thread while the one before is
used). Each chunk is folded (``chunk_folding.py``: decode, fold, rows as
``COPY`` text) by a worker process, or by this process while the worker has
``IN_FLIGHT_PER_WORKER`` chunks to do; then its rows are copied into the
fresh tables, which have no index yet, in one transaction, in a thread while
the next chunk is folded. So memory stays bounded whatever the store's size,
and an exception of the worker or of either thread is raised here. Below
``PARALLEL_FROM`` events (or with ``processes=0``) this process folds every
chunk.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from eventsourcing.persistence import Tracking
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from infrastructure.read_model.catch_up import EventFeed
from infrastructure.read_model.chunk_folding import FoldedChunk, fold_chunk
from infrastructure.read_model.copy_rows import copy_statements
from infrastructure.read_model.decoding import StoredEventDecoder, StoredRow
from infrastructure.read_model.view import AppointmentsView

CHUNK_EVENTS = 2_000
"""Events read per query; a chunk holds whole appointments, so about as many."""
PARALLEL_FROM = 50_000
"""Below this many events a worker process costs about what it saves: it
takes half a second or more of CPU to start (a fresh interpreter imports
this package and the main module). Measured on two cores: as fast as no
worker at 100,000 events, 1.2 times faster at 500,000 (docs/performance.md)."""
WORKER_PROCESSES = 1
"""Folding is more than half of a rebuild's work; this process, its reading
and copying threads and PostgreSQL do the rest: one worker fills two cores."""
IN_FLIGHT_PER_WORKER = 2

Progress = Callable[[int, int], None]
"""Told ``(events replayed, events to replay)`` after each chunk."""

T = TypeVar("T")
R = TypeVar("R")


def replay_by_appointment(
    feed: EventFeed,
    fresh: AppointmentsView,
    until: int,
    on_progress: Progress | None = None,
    *,
    processes: int | None = None,
) -> int:
    """Fold every appointment's events up to feed position ``until`` into the
    fresh tables, and record ``until`` as their position. ``processes``:
    worker processes that fold (``None``: chosen by the store's size)."""
    chunks = StoredChunks(feed, until)
    total = chunks.count()
    if processes is None:
        processes = WORKER_PROCESSES if total >= PARALLEL_FROM else 0
    fold = partial(fold_chunk, StoredEventDecoder.like(feed.mapper))
    copy = partial(copy_into, fresh, copy_statements(fresh.tables))
    done = 0
    with folding_executor(processes) as executor:
        window = IN_FLIGHT_PER_WORKER * max(processes, 1)
        for chunk in one_ahead(copy, folded(executor, fold, chunks, window)):
            done += chunk.events
            if on_progress is not None:
                on_progress(done, total)
    return fresh.apply([], Tracking(feed.name, until))


def copy_into(
    fresh: AppointmentsView, copies: list[Composed], chunk: FoldedChunk
) -> FoldedChunk:
    """Copy the chunk's rows into the fresh tables, in one transaction.
    Its commit does not wait for the disk: the replay's last commit, which
    records the fresh tables' position, does, and makes every one before
    it durable too (a crash before it leaves tables the next rebuild drops)."""
    with fresh.datastore.transaction(commit=True) as curs:
        curs.execute("SET LOCAL synchronous_commit = off")
        for statement, text in zip(copies, chunk.copy_texts, strict=True):
            if text:
                with curs.copy(statement) as copy:
                    copy.write(text)
    return chunk


def one_ahead(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``fn`` of each item, in order, in a thread of its own: while it runs
    (``fn`` waits on the database), the next item is made here."""
    with ThreadPoolExecutor(1, thread_name_prefix="rebuild") as thread:
        running: Future[R] | None = None
        for item in items:
            following = thread.submit(fn, item)
            if running is not None:
                yield running.result()
            running = following
        if running is not None:
            yield running.result()


class StoredChunks:
    """The store's events up to a feed position, ordered by appointment and
    version, in chunks of whole appointments. Each chunk is read by its own
    short query (keyset paging), so no transaction stays open: the events up
    to the position are all committed and never change."""

    def __init__(self, feed: EventFeed, until: int) -> None:
        recorder = feed.recorder
        table = Identifier(recorder.datastore.schema, recorder.events_table_name)
        self.datastore = recorder.datastore
        self.until = until
        self.select_count = SQL(
            "SELECT count(*) FROM {t} WHERE notification_id <= %s"
        ).format(t=table)
        self.select_page = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {t} "
            "WHERE (originator_id, originator_version) > (%s, %s) "
            "AND notification_id <= %s "
            "ORDER BY originator_id, originator_version LIMIT %s"
        ).format(t=table)

    def count(self) -> int:
        return int(self._fetch(self.select_count, (self.until,))[0][0])

    def __iter__(self) -> Iterator[list[StoredRow]]:
        """Each page less the last appointment in it, which the next page
        completes (an appointment longer than a page grows the chunk)."""
        carried: list[StoredRow] = []
        for page in self.pages():
            rows = carried + page
            if len(page) < CHUNK_EVENTS:
                if rows:
                    yield rows
                return
            cut = start_of_last_appointment(rows)
            carried = rows[cut:]
            if cut:
                yield rows[:cut]

    def pages(self) -> Iterator[list[StoredRow]]:
        """Pages up to the last, a short one; each read in a thread of its
        own while the one before is used."""
        with ThreadPoolExecutor(1, thread_name_prefix="rebuild") as thread:
            reading = thread.submit(self.page, ("", 0))
            while True:
                page = reading.result()
                if len(page) == CHUNK_EVENTS:
                    reading = thread.submit(self.page, (page[-1][0], page[-1][1]))
                yield page
                if len(page) < CHUNK_EVENTS:
                    return

    def page(self, after: tuple[str, int]) -> list[StoredRow]:
        return self._fetch(self.select_page, (*after, self.until, CHUNK_EVENTS))

    def _fetch(self, statement: Composed, params: tuple[Any, ...]) -> list[Any]:
        with self.datastore.get_connection() as conn:
            curs = conn.cursor(row_factory=tuple_row)
            curs.execute(statement, params, binary=True)
            return curs.fetchall()


def start_of_last_appointment(rows: list[StoredRow]) -> int:
    last = rows[-1][0]
    index = len(rows) - 1
    while index > 0 and rows[index - 1][0] == last:
        index -= 1
    return index


def folded(
    executor: Executor, fold: Callable[[T], R], chunks: Iterable[T], window: int
) -> Iterator[R]:
    """``fold`` of each chunk: by the executor, with at most ``window`` chunks
    submitted and not yet taken, or here while that many are; an exception
    of ``fold`` is raised here. Results come as they are ready, not in order."""
    pending: deque[Future[R]] = deque()
    for chunk in chunks:
        while pending and pending[0].done():
            yield pending.popleft().result()
        if len(pending) < window:
            pending.append(executor.submit(fold, chunk))
        else:
            yield fold(chunk)
    while pending:
        yield pending.popleft().result()


@contextmanager
def folding_executor(processes: int) -> Iterator[Executor]:
    """Worker processes started fresh (``spawn``: this process has threads,
    which a fork would copy mid-work), or this process for ``0``. Workers
    are not waited for at the end: all their results are in (or no longer
    wanted), and they exit on their own."""
    executor: Executor = (
        ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        if processes
        else InThisProcess()
    )
    try:
        yield executor
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


class InThisProcess(Executor):
    """Runs each call at once, in the caller's thread."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # delivered by ``result()``, as a pool does
            future.set_exception(error)
        return future
