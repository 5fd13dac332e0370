"""The per-key rate limit: the ``limits`` library's fixed-window strategy over
a storage kept in PostgreSQL, so every API process counts against the same
window. One ``INSERT ... ON CONFLICT`` per request on an unlogged table; the
database's clock decides the windows (see docs/security.md)."""

from __future__ import annotations

import math
import time

import psycopg
from eventsourcing.postgres import PostgresDatastore
from limits import RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from psycopg.sql import SQL, Composed

from application.errors import database_errors
from infrastructure.tables import create_table_once

NOW = "extract(epoch FROM clock_timestamp())"
WINDOW_SECONDS = 60


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


class PostgresRateLimiter:
    """At most ``per_minute`` requests per key and window in all processes
    together. A key's window opens with its first request and lasts a minute
    (a fixed window: a burst may straddle two windows)."""

    def __init__(self, storage: PostgresLimitsStorage, per_minute: int) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.item = RateLimitItemPerMinute(per_minute)

    def admit(self, key_name: str) -> int | None:
        with database_errors():
            if self.limiter.hit(self.item, key_name):
                return None
            stats = self.limiter.get_window_stats(self.item, key_name)
        seconds = math.ceil(stats.reset_time - time.time())
        return min(max(1, seconds), WINDOW_SECONDS)
