"""PostgreSQL advisory locks, each named by a text key: every statement that
takes, tries, releases or looks for one.

A transaction lock (``LOCK_UNTIL_COMMIT``) serialises DDL that concurrent
start-ups would otherwise race on. A session lock lives on a dedicated
connection (``AdvisoryLock``): it is held until released or until that session
ends, so when the holder's process dies (or its connection drops) PostgreSQL
releases it and a standby's next attempt takes over (leader election).
"""

from __future__ import annotations

from contextlib import suppress

import psycopg
from psycopg.sql import SQL

LOCK_UNTIL_COMMIT = SQL("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))")
LOCK_FOR_SESSION = SQL("SELECT pg_advisory_lock(hashtextextended(%s, 0))")
UNLOCK_FOR_SESSION = SQL("SELECT pg_advisory_unlock(hashtextextended(%s, 0))")
TRY_LOCK_FOR_SESSION = SQL(
    "SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS acquired"
)
IS_HELD_BY_ANYONE = SQL(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(%s, 0)) AS held"
)


class LeadershipLost(Exception):
    """The lock's session ended while it was held."""


class AdvisoryLock:
    """A session lock on a connection of its own."""

    def __init__(self, database_url: str, key: str, *, connect_timeout: int = 5):
        self.database_url = database_url
        self.key = key
        self.connect_timeout = connect_timeout
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self._connection is not None:
            return True
        connection = psycopg.connect(
            self.database_url, autocommit=True, connect_timeout=self.connect_timeout
        )
        row = connection.execute(TRY_LOCK_FOR_SESSION, (self.key,)).fetchone()
        if row is None or not row[0]:
            connection.close()
            return False
        self._connection = connection
        return True

    def confirm(self) -> None:
        """Raise ``LeadershipLost`` if the lock's session has ended."""
        if self._connection is None:
            raise LeadershipLost(self.key)
        try:
            self._connection.execute("SELECT 1")
        except psycopg.Error as error:
            self.release()
            raise LeadershipLost(self.key) from error

    def release(self) -> None:
        """Unlock, then end the session. Closing alone releases the lock only
        once the server has ended the session, after ``close`` returns: a
        rebuild started right after another could find the lock still held."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with suppress(psycopg.Error):
            connection.execute(UNLOCK_FOR_SESSION, (self.key,))
        connection.close()


def is_lock_held(connection: psycopg.Connection[tuple[object, ...]], key: str) -> bool:
    """Whether any session holds the advisory lock named ``key``."""
    row = connection.execute(IS_HELD_BY_ANYONE, (key,)).fetchone()
    return bool(row and row[0])
