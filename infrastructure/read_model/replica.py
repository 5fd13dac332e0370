"""Reading from a streaming replica (``APPOINTMENTS_READ_DATABASE_URL``).

The replica replays the primary's WAL, so its copies of the read model's
tables, of the tracking table and of the occupancy table are the primary's, a
little later. Retrieve, list, availability and calendar feeds read them; a
write waits until the replica's tracking position has reached the write, so
read-your-writes holds on the replica too (for availability, see
``infrastructure/occupancy.py``). A hot standby refuses ``LISTEN`` (and the
primary's ``NOTIFY`` never reaches it), so that wait polls the replica's
tracking row with a short backoff; when this process's runner leads, it first
sleeps on the runner's own commits (no query at all).

When the replica cannot be reached, each read falls back to the primary's
copy, the replica's pool is closed, and the replica is tried again (one probe,
by one request) every ``retry_seconds``. Writes answered meanwhile waited for
the primary only, so reads return to the replica only once it shows the
primary's position as read at the probe (writes answered during the probe also
wait for the returning replica): within ``CATCH_UP_SECONDS``, or the replica
is tried again later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import monotonic, sleep
from typing import TypeVar

import psycopg
from eventsourcing.postgres import PostgresDatastore

from application.bookings import Busy
from application.errors import DatabaseUnavailable, database_errors
from application.queries import AppointmentState, ListQuery, Page
from infrastructure.calendar_feeds import PostgresCalendarSource
from infrastructure.database import eventsourcing_env
from infrastructure.occupancy import OccupancyTable, PostgresBusyTimes
from infrastructure.read_model.control import build_view
from infrastructure.read_model.reader import PostgresReadModel
from infrastructure.read_model.view import AppointmentsView

logger = logging.getLogger(__name__)

T = TypeVar("T")

ON_REPLICA = "replica"
ON_PRIMARY = "primary (replica unreachable)"
RETRY_SECONDS = 2.0
"""How long reads stay on the primary after the replica failed, before it is
probed again."""
CONNECTION = (
    "POSTGRES_DBNAME",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
)
CATCH_UP_SECONDS = 1.0
"""How long a returning replica may take to show the primary's position."""
FIRST_LOOK_PAUSE = 0.001
LONGEST_LOOK_PAUSE = 0.05
"""The replica's tracking row is read after 1, 2, 4, ... ms, at most every 50 ms."""


def probe(url: str, connect_timeout: int) -> None:
    """Raise ``DatabaseUnavailable`` unless ``url`` answers a query."""
    try:
        with psycopg.connect(url, connect_timeout=connect_timeout) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DatabaseUnavailable(detail) from error


@dataclass(frozen=True)
class ServerReads:
    """The reads one server answers from its copy of the tables."""

    read_model: PostgresReadModel
    """Retrieve and list, and the tracking position writes wait for."""
    busy_times: PostgresBusyTimes
    """Availability."""
    calendar: PostgresCalendarSource
    """Calendar feeds' appointments."""

    @classmethod
    def of(cls, view: AppointmentsView, occupancy: OccupancyTable) -> ServerReads:
        """All three through ``view``'s pool."""
        datastore = view.datastore
        return cls(
            PostgresReadModel(view),
            PostgresBusyTimes(datastore, occupancy),
            PostgresCalendarSource(datastore),
        )

    @property
    def datastore(self) -> PostgresDatastore:
        return self.read_model.view.datastore


def replica_env(url: str, primary_env: dict[str, str]) -> dict[str, str]:
    """The primary's ``eventsourcing`` environment (schema, pool, timeouts)
    pointed at ``url``, creating no table: a standby is read-only, and replays
    the primary's tables."""
    connection = eventsourcing_env(url)
    pointed = {name: connection[name] for name in CONNECTION}
    return {**primary_env, **pointed, "CREATE_TABLE": "false"}


def open_replica_reads(
    url: str,
    primary_env: dict[str, str],
    connect_timeout: int,
    occupancy: OccupancyTable,
) -> ServerReads:
    """Reads from the replica at ``url`` (``occupancy``: the primary's table,
    which the replica copies); ``DatabaseUnavailable`` if it cannot be reached."""
    probe(url, connect_timeout)
    return ServerReads.of(build_view(replica_env(url, primary_env)), occupancy)


def poll_until(reached: Callable[[], bool], deadline: float) -> bool:
    """Whether ``reached()`` holds before ``deadline`` (``monotonic()``),
    looking again after a pause that doubles up to ``LONGEST_LOOK_PAUSE``."""
    pause = FIRST_LOOK_PAUSE
    while not reached():
        remaining = deadline - monotonic()
        if remaining <= 0:
            return False
        sleep(min(pause, remaining))
        pause = min(pause * 2, LONGEST_LOOK_PAUSE)
    return True


def shows(reader: PostgresReadModel, position: int) -> bool:
    """Whether ``reader``'s tracking row has reached ``position`` (one query,
    not retried: a replica that fails is left for the primary at once)."""
    view = reader.view
    with database_errors():
        tracked = view.max_tracking_id(view.application_name)
    return (tracked or 0) >= position


class ReplicaReads:
    """Implements ``application.queries.ReadModel``, ``application.bookings.
    BusyTimes`` and ``application.calendar.CalendarSource`` over a replica,
    falling back to ``primary`` while the replica is unreachable."""

    def __init__(
        self,
        primary: ServerReads,
        open_replica: Callable[[], ServerReads],
        *,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.primary = primary
        self.retry_seconds = retry_seconds
        self._open_replica = open_replica
        self._replica: ServerReads | None = None
        self._returning: ServerReads | None = None
        """A replica reached again, not yet shown to have caught up."""
        self._been_on_primary = False
        """Whether reads (and so writes' waits) have gone to the primary."""
        self._retry_at = 0.0
        self._reconnecting = threading.Lock()
        self._current()

    @property
    def reader(self) -> ServerReads | None:
        """The replica's reads, while reads go to it."""
        return self._replica

    @property
    def serving(self) -> str:
        """Where reads go now: ``ON_REPLICA`` or ``ON_PRIMARY``."""
        return ON_REPLICA if self._replica is not None else ON_PRIMARY

    # Above ``list``: below it, ``list[...]`` in a signature names the method.
    def busy(self, person: str, start_time_gte: int, start_time_lt: int) -> list[Busy]:
        return self._read(
            lambda server: server.busy_times.busy(person, start_time_gte, start_time_lt)
        )

    def appointments_of(self, user: str) -> list[AppointmentState]:
        return self._read(lambda server: server.calendar.appointments_of(user))

    def get(self, appointment_id: str) -> AppointmentState | None:
        return self._read(lambda server: server.read_model.get(appointment_id))

    def list(self, query: ListQuery) -> Page:
        return self._read(lambda server: server.read_model.list(query))

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether the replica (the primary, while the replica is unreachable)
        shows ``position`` within ``timeout``. When this process's runner
        leads, first sleep until it has committed ``position`` (no query)."""
        deadline = monotonic() + timeout
        primary = self.primary.read_model
        if primary.view.projecting_here.is_set() and not primary.wait_for(
            position, timeout
        ):
            return False
        replica = self._current()
        if replica is not None:
            try:
                return poll_until(lambda: shows(replica.read_model, position), deadline)
            except DatabaseUnavailable as error:
                self._lost(replica, error)
        if not primary.wait_for(position, max(deadline - monotonic(), 0.0)):
            return False
        returning = self._returning or self._replica
        if returning is None:
            return True
        try:  # reads may be back on the replica before this answer leaves
            return poll_until(lambda: shows(returning.read_model, position), deadline)
        except DatabaseUnavailable:
            return True  # and reads stay on the primary

    def close(self) -> None:
        replica, self._replica = self._replica, None
        if replica is not None:
            replica.datastore.close()

    def _read(self, read: Callable[[ServerReads], T]) -> T:
        replica = self._current()
        if replica is not None:
            try:
                return read(replica)
            except DatabaseUnavailable as error:
                self._lost(replica, error)
        return read(self.primary)

    def _current(self) -> ServerReads | None:
        """The replica's reads; ``None`` while it is unreachable. Once the
        pause has passed, one caller probes it while the others go on."""
        due = self._replica is None and monotonic() >= self._retry_at
        if due and self._reconnecting.acquire(blocking=False):
            try:
                self._reconnect()
            finally:
                self._reconnecting.release()
        return self._replica

    def _reconnect(self) -> None:
        if self._replica is not None or monotonic() < self._retry_at:
            return
        try:
            replica = self._open_replica()
        except DatabaseUnavailable as error:
            self._been_on_primary = True
            self._retry_at = monotonic() + self.retry_seconds
            logger.warning("read replica unreachable: %s", error.message)
            return
        if self._been_on_primary and not self._caught_up(replica):
            replica.datastore.close()
            self._retry_at = monotonic() + self.retry_seconds
            logger.warning("read replica behind the primary; reading from the primary")
            return
        self._replica, self._returning = replica, None
        logger.info("reading from the replica")

    def _caught_up(self, replica: ServerReads) -> bool:
        """Whether ``replica`` shows, within ``CATCH_UP_SECONDS``, every write
        answered while reads were on the primary: those answered before this
        look are at or below the primary's position now; those answered after
        it wait for ``replica`` themselves (``wait_for``)."""
        self._returning = replica
        try:
            target = self.primary.read_model.view.position()
            deadline = monotonic() + CATCH_UP_SECONDS
            if poll_until(lambda: shows(replica.read_model, target), deadline):
                return True
        except DatabaseUnavailable as error:
            logger.warning("read replica unreachable: %s", error.message)
        self._returning = None
        return False

    def _lost(self, replica: ServerReads, error: DatabaseUnavailable) -> None:
        if self._replica is not replica:
            return
        with self._reconnecting:
            if self._replica is not replica:
                return
            self._replica = None
            self._been_on_primary = True
            self._retry_at = monotonic() + self.retry_seconds
        logger.warning(
            "read replica failed (%s); reading from the primary", error.message
        )
        replica.datastore.close()
