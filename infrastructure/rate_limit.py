"""The per-key rate limit: fixed windows counted in PostgreSQL (a ``limits``
storage of ours), so every API process counts against the same window; the
database's clock decides the windows (see docs/security.md).

Each process takes a key's requests in *leases*: one ``INSERT ... ON
CONFLICT`` reserves up to a hundredth of the limit in the current window, and
the process admits that many requests without asking again. A spent window
is remembered until it ends, so refusals cost nothing either. The count
never exceeds the limit across processes; what a process reserved and did
not use is lost for that window (at most a hundredth of the limit per
process), and with a limit under 200 a minute each lease is one request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import psycopg
from eventsourcing.postgres import PostgresDatastore
from limits.storage import Storage
from psycopg.sql import SQL, Composed

from application.access import UNDECIDED
from application.errors import database_errors
from infrastructure.tables import create_table_once

NOW = "extract(epoch FROM clock_timestamp())"
WINDOW_SECONDS = 60
LEASE_SHARE = 100
"""A lease is at most 1/LEASE_SHARE of the limit (and at least one request)."""


RESERVE = (
    "INSERT INTO {t} AS w (key, count, expires_at) "
    "VALUES (%s, %s, " + NOW + " + %s) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN w.expires_at <= " + NOW + " THEN EXCLUDED.count "
    "ELSE w.count + EXCLUDED.count END, "
    "expires_at = CASE WHEN w.expires_at <= " + NOW + " "
    "THEN EXCLUDED.expires_at ELSE w.expires_at END "
    "RETURNING count, expires_at - " + NOW + " AS seconds_left"
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
        return int(
            self._value(
                "INSERT INTO {t} AS w (key, count, expires_at) "
                "VALUES (%s, %s, " + NOW + " + %s) "
                "ON CONFLICT (key) DO UPDATE SET "
                "count = CASE WHEN w.expires_at <= " + NOW + " THEN EXCLUDED.count "
                "ELSE w.count + EXCLUDED.count END, "
                "expires_at = CASE WHEN w.expires_at <= " + NOW + " "
                "THEN EXCLUDED.expires_at ELSE w.expires_at END "
                "RETURNING count",
                (key, amount, expiry),
                default=amount,
            )
        )

    def reserve(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        """``incr`` and the seconds the window has left, in one statement."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql(RESERVE), (key, amount, expiry), prepare=True)
            row = curs.fetchone()
        if row is None:  # an upsert with RETURNING returns its row: never here
            return amount, float(expiry)
        return int(row["count"]), float(row["seconds_left"])

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
class Lease:
    """What this process may still admit for a key, until ``ends`` (its
    window's end, on this process's monotonic clock)."""

    left: int
    ends: float
    window_full: bool
    """Every request of the window is reserved: refuse once ``left`` is 0."""


class PostgresRateLimiter:
    """At most ``per_minute`` requests per key and window in all processes
    together. A key's window opens with its first request and lasts a minute
    (a fixed window: a burst may straddle two windows)."""

    def __init__(
        self,
        storage: PostgresLimitsStorage,
        per_minute: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.per_minute = per_minute
        self.lease_size = max(1, per_minute // LEASE_SHARE)
        self.monotonic = monotonic
        self._leases: dict[str, Lease] = {}
        self._lock = threading.Lock()

    def admit_cached(self, key_name: str) -> int | Literal["undecided"] | None:
        now = self.monotonic()
        with self._lock:
            lease = self._leases.get(key_name)
            if lease is None or lease.ends <= now:
                return UNDECIDED
            if lease.left > 0:
                lease.left -= 1
                return None
            if not lease.window_full:
                return UNDECIDED
            return retry_after(lease.ends - now)

    def admit(self, key_name: str) -> int | None:
        decided = self.admit_cached(key_name)
        if decided != UNDECIDED:
            return decided
        with database_errors():
            count, seconds_left = self.storage.reserve(
                key_name, WINDOW_SECONDS, self.lease_size
            )
        granted = min(
            self.lease_size, max(0, self.per_minute - count + self.lease_size)
        )
        with self._lock:
            self._leases[key_name] = Lease(
                max(granted - 1, 0),
                self.monotonic() + seconds_left,
                window_full=count >= self.per_minute,
            )
        return None if granted > 0 else retry_after(seconds_left)


def retry_after(seconds_left: float) -> int:
    return min(max(1, math.ceil(seconds_left)), WINDOW_SECONDS)
