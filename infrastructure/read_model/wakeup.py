"""Waking a runner as soon as events are recorded.

The event store's recorder sends ``NOTIFY <events table>`` with each write;
this listens on a dedicated connection, so a runner need not poll hard.
"""

from __future__ import annotations

from types import TracebackType

import psycopg
from psycopg.sql import SQL, Identifier


class NewEventsSignal:
    def __init__(self, database_url: str, channel: str, *, connect_timeout: int = 5):
        self.database_url = database_url
        self.channel = channel
        self.connect_timeout = connect_timeout
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def __enter__(self) -> NewEventsSignal:
        self._connection = psycopg.connect(
            self.database_url, autocommit=True, connect_timeout=self.connect_timeout
        )
        self._connection.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a write; whether one was signalled."""
        if self._connection is None:
            raise RuntimeError("NewEventsSignal is used outside its 'with' block")
        notified = False
        for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            notified = True
        return notified
