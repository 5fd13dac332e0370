"""Projection lag, commit to visible, seen from outside the service.

A thread with its own connection polls, every ``interval`` seconds, in one
statement (one snapshot): the event store's newest notification id (the
head) and the read model's tracked position. The event store commits in
notification-id order (its table lock), so when the head first reads ``h``
every event up to ``h`` has committed; when the position first reads ``p``
every event up to ``p`` is visible to retrieve and list (the view's rows
commit with its tracking row). An event's lag is the time between those two
first sightings; the polling interval bounds the error of each.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from time import perf_counter

import psycopg
from psycopg import sql

from bench.stats import percentile

POLL_SECONDS = 0.002


@dataclass(frozen=True)
class LagTables:
    schema: str
    events_table: str
    tracking_table: str
    application_name: str

    def statement(self) -> sql.Composed:
        return sql.SQL(
            "SELECT (SELECT max(notification_id) FROM {events}),"
            " (SELECT notification_id FROM {tracking} WHERE application_name = %s)"
        ).format(
            events=sql.Identifier(self.schema, self.events_table),
            tracking=sql.Identifier(self.schema, self.tracking_table),
        )


@dataclass(frozen=True)
class LagResult:
    events: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    poll_ms: float


class Sightings:
    """First sightings of commits and of visibility, as id ranges over time."""

    def __init__(self, head: int, position: int) -> None:
        self.head = head
        self.position = position
        self.committed: list[tuple[int, int, float]] = []
        self.lags_ms: list[float] = []

    def see(self, head: int, position: int, now: float) -> None:
        if head > self.head:
            self.committed.append((self.head + 1, head, now))
            self.head = head
        if position > self.position:
            self._visible(self.position + 1, position, now)
            self.position = position

    def _visible(self, first: int, last: int, now: float) -> None:
        for low, high, seen in self.committed:
            overlap = min(high, last) - max(low, first) + 1
            if overlap > 0:
                self.lags_ms.extend([(now - seen) * 1000] * overlap)
        self.committed = [
            (max(low, last + 1), high, seen)
            for low, high, seen in self.committed
            if high > last
        ]


class LagProbe:
    """Polls in a thread between ``__enter__`` and ``__exit__``."""

    def __init__(self, url: str, tables: LagTables, interval: float = POLL_SECONDS):
        self.url = url
        self.tables = tables
        self.interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag", daemon=True)
        self._statement = tables.statement()
        self._connection = psycopg.connect(url, autocommit=True)
        self._sightings = Sightings(*self._read())

    def __enter__(self) -> LagProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        self._connection.close()

    def _read(self) -> tuple[int, int]:
        row = self._connection.execute(
            self._statement, (self.tables.application_name,), prepare=True
        ).fetchone()
        head, position = row if row is not None else (0, 0)
        return int(head or 0), int(position or 0)

    def _run(self) -> None:
        while not self._stopping.is_set():
            head, position = self._read()
            self._sightings.see(head, position, perf_counter())
            self._stopping.wait(self.interval)

    def result(self) -> LagResult:
        lags = self._sightings.lags_ms
        return LagResult(
            events=len(lags),
            p50_ms=round(percentile(lags, 0.50), 2),
            p99_ms=round(percentile(lags, 0.99), 2),
            max_ms=round(max(lags, default=0.0), 2),
            poll_ms=self.interval * 1000,
        )
