"""Keeping other processes' retrieve caches honest: the projection's
``NOTIFY`` and every process's ``LISTEN``.

Each batch the projection commits sends ``changed <origin> <position>
<id>,<id>,...`` on the schema's read-model channel (in its transaction, so
delivered once it is committed and visible); a rebuild sends ``rebuilding``
before it starts and ``rebuilt`` after its swap (or its failure).
``CacheListener`` (one thread per process, on its own connection to the
primary: a standby cannot ``LISTEN``) evicts the ids it hears of, tells the
process's writers waiting for the read model the position committed
(``CommittedPositions``: no polling of the tracking table), clears the cache on
``rebuilt``, and says whether this process may trust its cache without asking
the database (``trusted``).

``NOTIFY`` is not ordered with another process's answer to its client, so
a process whose runner does not lead never trusts its cache: it checks the
version on every retrieve (``retrieve.py``). The notifications only keep its
cache small and fresh.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence

import psycopg
from psycopg.sql import SQL, Identifier

from infrastructure.read_model.body_cache import BodyCache
from infrastructure.read_model.commits import CommittedPositions

logger = logging.getLogger(__name__)

NOTIFY = "SELECT pg_notify(%s, %s)"
CHANGED = "changed"
REBUILDING = "rebuilding"
REBUILT = "rebuilt"
MAX_PAYLOAD = 7000
"""Bytes of ids per notification (PostgreSQL's limit is 8000)."""
CHANNEL_PREFIX = "read_model:"
STOP_CHECK_SECONDS = 0.2
RETRY_SECONDS = 1.0


def channel_of(schema: str) -> str:
    """The schema's channel (names of at most 63 bytes, as PostgreSQL's)."""
    return (CHANNEL_PREFIX + schema)[:63]


def changed_payloads(origin: str, position: int, ids: Sequence[str]) -> Iterator[str]:
    """``changed <origin> <position> <ids>`` payloads, as few as fit
    ``MAX_PAYLOAD``."""
    head = f"{CHANGED} {origin} {position} "
    chunk: list[str] = []
    size = 0
    for appointment_id in ids:
        if chunk and size + len(appointment_id) + 1 > MAX_PAYLOAD:
            yield head + ",".join(chunk)
            chunk, size = [], 0
        chunk.append(appointment_id)
        size += len(appointment_id) + 1
    if chunk:
        yield head + ",".join(chunk)


def announce(database_url: str, channel: str, payload: str) -> None:
    """Send ``payload`` on ``channel`` now (its own connection, autocommit);
    a failure is logged (listeners reconnecting clear their caches anyway)."""
    try:
        with psycopg.connect(
            database_url, autocommit=True, connect_timeout=5
        ) as connection:
            connection.execute(NOTIFY, (channel, payload))
    except psycopg.Error as error:
        logger.warning("read model: could not announce %r: %s", payload, error)


class CacheListener:
    """Listens for the projection's notifications, for this process's cache."""

    def __init__(
        self,
        *,
        database_url: str,
        channel: str,
        origin: str,
        cache: BodyCache,
        committed: CommittedPositions,
        rebuild_running: Callable[[psycopg.Connection[tuple[object, ...]]], bool],
    ) -> None:
        self.database_url = database_url
        self.channel = channel
        self.origin = origin
        self.cache = cache
        self.committed = committed
        self.rebuild_running = rebuild_running
        self._listening = committed.hearing
        """Shared with ``committed``: its waiters trust it while this is set."""
        self._rebuilding = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def trusted(self) -> bool:
        """Listening, and no rebuild's swap is under way: notifications reach
        this process, and none rewrites rows behind its runner's back."""
        return self._listening.is_set() and not self._rebuilding.is_set()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name="read-model-listener", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                logger.warning("read model listener: %s; retrying", error)
            finally:
                self._listening.clear()
                self.cache.clear()  # notifications may have been missed
            self._stopping.wait(RETRY_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(
            self.database_url, autocommit=True, connect_timeout=5
        ) as connection:
            connection.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
            if self.rebuild_running(connection):
                self._rebuilding.set()
            else:
                self._rebuilding.clear()
            self.cache.clear()  # whatever was missed before listening
            self._listening.set()
            while not self._stopping.is_set():
                for notify in connection.notifies(timeout=STOP_CHECK_SECONDS):
                    self.heard(notify.payload)

    def heard(self, payload: str) -> None:
        kind, _, rest = payload.partition(" ")
        if kind == CHANGED:
            origin, _, rest = rest.partition(" ")
            position, _, ids = rest.partition(" ")
            if origin != self.origin:
                self.cache.evict(ids.split(","))
            if position.isdigit():
                self.committed.announce(int(position))
        elif kind == REBUILDING:
            self._rebuilding.set()
        elif kind == REBUILT:
            self.cache.clear()
            self._rebuilding.clear()
