"""The per-key rate limit: fixed windows (the ``limits`` library's items and
storage interface) counted in PostgreSQL, so every API process counts against
the same window; the database's clock decides the windows (see
docs/security.md).

A process does not ask the database for every request: it claims a *lease* of
requests from the shared window (one ``INSERT ... ON CONFLICT ... RETURNING``
on an unlogged table) and admits from it with no database work until the lease
is spent or the window ends. A lease starts at one request, so a quiet key is
counted exactly, request by request; it doubles while the last one was spent
within a second, up to ``1 / LEASE_SHARE`` of the limit. Claimed requests are
counted at once, so the limit is never exceeded; what a process claimed and
did not use is lost with the window, so with P processes a busy key may be
refused up to P leases (P% of its limit) early.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from eventsourcing.postgres import PostgresDatastore
from limits import RateLimitItemPerMinute
from limits.storage import Storage
from psycopg.sql import SQL, Composed

from application.errors import database_errors
from infrastructure.tables import create_table_once

NOW = "extract(epoch FROM clock_timestamp())"
WINDOW_SECONDS = 60
LEASE_SHARE = 100
"""A lease is at most this fraction (1/100) of a key's limit."""
GROW_WITHIN_SECONDS = 1.0
"""A lease spent within this time is followed by one twice its size."""

CLAIM = (
    "INSERT INTO {t} AS w (key, count, expires_at) "
    "VALUES (%s, %s, " + NOW + " + %s) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN w.expires_at <= " + NOW + " THEN EXCLUDED.count "
    "ELSE w.count + EXCLUDED.count END, "
    "expires_at = CASE WHEN w.expires_at <= " + NOW + " "
    "THEN EXCLUDED.expires_at ELSE w.expires_at END "
    "RETURNING count, expires_at"
)


class PostgresLimitsStorage(Storage):
    """A ``limits`` storage: one row per window key, its count and expiry."""

    def __init__(self, datastore: PostgresDatastore, table: str) -> None:
        super().__init__()
        self.datastore = datastore
        self.table = create_table_once(
            datastore,
            table,
            "CREATE UNLOGGED TABLE IF NOT EXISTS {t} ("
            "key text PRIMARY KEY, "
            "count bigint NOT NULL, "
            "expires_at double precision NOT NULL)",
        )

    @property
    def base_exceptions(self) -> type[Exception]:
        return psycopg.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the window, starting a new one if it expired."""
        return self.claim(key, expiry, amount)[0]

    def claim(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        """Add ``amount`` to the window (a new one if it expired): the
        window's count afterwards and its end (epoch seconds), in one
        statement."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql(CLAIM), (key, amount, expiry), prepare=True)
            row = curs.fetchone()
        if row is None:  # an upsert with RETURNING returns its row: never here
            return amount, time.time() + expiry
        return int(row["count"]), float(row["expires_at"])

    def get(self, key: str) -> int:
        return int(
            self._value(
                "SELECT count FROM {t} WHERE key = %s AND expires_at > " + NOW,
                (key,),
                default=0,
            )
        )

    def get_expiry(self, key: str) -> float:
        """The window's end, in epoch seconds by the database's clock."""
        return float(
            self._value(
                "SELECT coalesce(max(expires_at), " + NOW + ") AS expiry "
                "FROM {t} WHERE key = %s",
                (key,),
                default=time.time(),
            )
        )

    def check(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql("DELETE FROM {t}"))
            return curs.rowcount

    def clear(self, key: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql("DELETE FROM {t} WHERE key = %s"), (key,))

    def _value(self, text: str, params: tuple[object, ...], *, default: float) -> float:
        """The first column of the first row, or ``default``."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql(text), params, prepare=True)
            row = curs.fetchone()
        return default if row is None else float(next(iter(row.values())))

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(t=self.table)


@dataclass
class _Lease:
    left: int
    """Requests claimed from the shared window and not yet admitted."""
    size: int
    """How many were claimed."""
    ends_at: float
    """The window's end, epoch seconds by the database's clock."""
    claimed_at: float
    """When it was claimed, monotonic seconds."""


class PostgresRateLimiter:
    """At most ``per_minute`` requests per key and window in all processes
    together. A key's window opens with its first request and lasts a minute
    (a fixed window: a burst may straddle two windows)."""

    def __init__(
        self,
        storage: PostgresLimitsStorage,
        per_minute: int,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.item = RateLimitItemPerMinute(per_minute)
        self.largest_lease = max(1, per_minute // LEASE_SHARE)
        self.wall = wall
        self.monotonic = monotonic
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def admit_locally(self, key_name: str) -> bool:
        """Whether this process's lease admits one more request of the key:
        an answer that needs no database (False: ask ``admit``)."""
        with self._lock:
            lease = self._leases.get(key_name)
            if lease is None or lease.left == 0 or self.wall() >= lease.ends_at:
                return False
            lease.left -= 1
            return True

    def admit(self, key_name: str) -> int | None:
        """None when the request may go on, else seconds to wait; claims a
        new lease from the shared window when this process's is spent."""
        if self.admit_locally(key_name):
            return None
        size = self._next_size(key_name)
        key = self.item.key_for(key_name)
        with database_errors():
            count, ends_at = self.storage.claim(key, self.item.get_expiry(), size)
        granted = min(size, self.item.amount - (count - size))
        with self._lock:
            if granted <= 0:
                self._leases.pop(key_name, None)
                seconds = math.ceil(ends_at - self.wall())
                return min(max(1, seconds), WINDOW_SECONDS)
            self._leases[key_name] = _Lease(
                granted - 1, size, ends_at, self.monotonic()
            )
        return None

    def _next_size(self, key_name: str) -> int:
        """One at first and after a pause; twice the last while requests
        come faster than a lease a second; never more than the largest."""
        with self._lock:
            lease = self._leases.get(key_name)
            if lease is None or self.wall() >= lease.ends_at:
                return 1
            if self.monotonic() - lease.claimed_at < GROW_WITHIN_SECONDS:
                return min(lease.size * 2, self.largest_lease)
            return max(1, lease.size // 2)
