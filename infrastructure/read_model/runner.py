"""A projection runner that applies events in batches and elects one leader.

Why not the library's ``ProjectionRunner`` as is: it applies each event in its
own transaction (hundreds of events per second when catching up), and runs
wherever it is started, so several API processes would all project at once.
``AppointmentsProjection`` still works with it (the tests show it), and this
runner keeps its contract: the view's writes and its tracking record commit in
one transaction, and it resumes from the view's tracked position.

The loop, once elected: read up to ``batch_size`` notifications after the
position, apply them as one transaction (``process_batch``), repeat until none
are left; then sleep until the event store's ``NOTIFY`` (or ``idle_poll``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from time import monotonic

import psycopg
from eventsourcing.persistence import InterfaceError, Notification, OperationalError

from application.errors import DatabaseUnavailable
from application.service import AppointmentsApplication
from infrastructure.advisory_locks import AdvisoryLock, LeadershipLost
from infrastructure.read_model.catch_up import EventFeed, catch_up
from infrastructure.read_model.projection import AppointmentsProjection
from infrastructure.read_model.wakeup import NewEventsSignal

logger = logging.getLogger(__name__)

RECOVERABLE = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OperationalError,
    InterfaceError,
    DatabaseUnavailable,
    LeadershipLost,
)
"""Failures of the connection, not of the projection: step down and retry."""

STOP_CHECK_SECONDS = 0.1


@dataclass(frozen=True)
class RunnerTimings:
    batch_size: int = 500
    idle_poll: float = 2.0
    """Longest sleep between looks at the event store when no NOTIFY arrives."""
    standby_poll: float = 1.0
    """How often a standby tries to take the lead."""
    retry_delay: float = 1.0
    """Pause after a connection failure before trying again."""
    confirm_every: float = 1.0
    """How often a leader checks that its lock's session is still alive (a
    batch never relies on it: the tracking row's lock keeps each event
    applied once, whoever leads)."""


def leader_key(schema: str, projection_name: str) -> str:
    return f"{schema}:projection:{projection_name}"


def rebuild_key(schema: str, projection_name: str) -> str:
    """Held by the one rebuild of the projection that may run."""
    return leader_key(schema, projection_name) + ":rebuild"


class ProjectionWorker:
    """Runs one projection in a thread while this process holds its lock."""

    def __init__(
        self,
        *,
        app: AppointmentsApplication,
        projection: AppointmentsProjection,
        database_url: str,
        timings: RunnerTimings | None = None,
    ) -> None:
        self.feed = EventFeed.of(app)
        self.projection = projection
        self.database_url = database_url
        self.timings = timings or RunnerTimings()
        schema = projection.view.datastore.schema
        self.lock = AdvisoryLock(database_url, leader_key(schema, projection.name))
        self.error: BaseException | None = None
        self._active = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_active(self) -> bool:
        """Whether this worker is the elected runner right now."""
        return self._active.is_set()

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.is_running:
            return
        self._stopping.clear()
        self.error = None
        self._thread = threading.Thread(
            target=self.run, name=f"projection-{self.projection.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self) -> None:
        """Stand by or lead until stopped; a failure of the projection itself
        (not of the connection) ends the loop and is kept in ``error``."""
        try:
            while not self._stopping.is_set():
                self._stand_by_or_lead()
        except BaseException as error:
            self.error = error
            logger.exception("projection %s stopped", self.projection.name)
        finally:
            self._active.clear()
            self.lock.release()

    def catch_up(self, position: int | None = None) -> int:
        """Apply every recorded event not yet applied, a batch per transaction,
        from ``position`` (by default the view's, read from its tracking
        table); the position reached."""
        return catch_up(
            self.feed,
            self._apply_batch,
            position=self.projection.view.position() if position is None else position,
            batch_size=self.timings.batch_size,
            keep_going=lambda: not self._stopping.is_set(),
        )

    def _apply_batch(self, notifications: Sequence[Notification]) -> int:
        return self.projection.process_batch(
            notifications, self.feed.mapper, self.feed.name
        )

    def _stand_by_or_lead(self) -> None:
        try:
            if self.lock.try_acquire():
                self._lead()
            else:
                self._stopping.wait(self.timings.standby_poll)
        except RECOVERABLE as error:
            logger.warning("projection %s: %s; retrying", self.projection.name, error)
            self.lock.release()
            self._stopping.wait(self.timings.retry_delay)

    def _lead(self) -> None:
        self._active.set()
        self.projection.view.lead()
        try:
            channel = self.feed.recorder.channel_name
            with NewEventsSignal(self.database_url, channel) as signal:
                # The position is read once; then each batch returns it. A
                # rebuild's swap may move the view on meanwhile: the next
                # batch's ``claim_position`` sees that and skips what is done.
                position = self.catch_up()
                confirmed = monotonic()
                while not self._stopping.is_set():
                    if monotonic() - confirmed >= self.timings.confirm_every:
                        self.lock.confirm()
                        confirmed = monotonic()
                    self._wait_for_new_events(signal)
                    position = self.catch_up(position)
        finally:
            self.projection.view.step_down()
            self._active.clear()
            self.lock.release()

    def _wait_for_new_events(self, signal: NewEventsSignal) -> None:
        deadline = monotonic() + self.timings.idle_poll
        while not self._stopping.is_set():
            remaining = deadline - monotonic()
            if remaining <= 0 or signal.wait(min(STOP_CHECK_SECONDS, remaining)):
                return
