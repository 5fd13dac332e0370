"""One endpoint's delivery runner, active in one process at a time.

Once it holds the endpoint's advisory lock it loops: queue the new events
after the endpoint's tracked position (up to ``max_pending`` queued), start
sending the due heads (at most ``concurrency`` at once, as the endpoint's
circuit allows), then sleep until woken: by the event store's ``NOTIFY`` (the
supervisor passes it on), by a send finishing, or when the next retry is due.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg

from application.errors import DatabaseUnavailable
from application.feed import build_page
from application.ports import Clock
from application.webhook_delivery import (
    SIGNATURE_HEADER,
    Circuit,
    RetryPolicy,
    Sender,
    render_body,
    signature,
)
from application.webhooks import Delivery, WebhookEndpoint, new_delivery_id
from domain.appointment import Appointment
from infrastructure.read_model.feed import EventFeed
from infrastructure.read_model.leader import AdvisoryLock
from infrastructure.read_model.runner import RECOVERABLE
from infrastructure.webhooks.queue import DeliveryQueue, Failure, NewEvent, QueuedEvent
from infrastructure.webhooks.tables import WebhookTables

logger = logging.getLogger(__name__)

USER_AGENT = "Appointments-Webhooks/1.0"
HistoryOf = Callable[[str], Sequence[Appointment.Event]]


@dataclass(frozen=True)
class DeliveryTimings:
    concurrency: int = 4
    """Deliveries in flight at once, per endpoint."""
    max_pending: int = 1000
    """Events queued per endpoint; the tracked position waits beyond that."""
    batch_size: int = 200
    idle_poll: float = 2.0
    """Longest sleep when nothing wakes a runner."""
    standby_poll: float = 1.0
    """How often each process looks for endpoints nobody runs."""


@dataclass(frozen=True)
class RunnerParts:
    """What every endpoint runner of a process shares."""

    feed: EventFeed
    history_of: HistoryOf
    tables: WebhookTables
    queue: DeliveryQueue
    secret_of: Callable[[str], str | None]
    new_sender: Callable[[], Sender]
    clock: Clock
    policy: RetryPolicy
    draw: Callable[[], float]
    timings: DeliveryTimings


class EndpointRunner:
    def __init__(
        self, endpoint: WebhookEndpoint, lock: AdvisoryLock, parts: RunnerParts
    ):
        self.endpoint = endpoint
        self.lock = lock
        self.parts = parts
        self.circuit = Circuit(parts.policy, parts.draw)
        self._busy: set[int] = set()
        self._busy_lock = threading.Lock()
        self._wake = threading.Event()
        self._leading = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def is_leading(self) -> bool:
        """Whether this runner holds the endpoint's lock and delivers."""
        return self._leading.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run, name=f"webhook-{self.endpoint.id}", daemon=True
        )
        self._thread.start()

    def stop(self, *, wait: bool = True, timeout: float = 15.0) -> None:
        self._stopping.set()
        self._wake.set()
        if wait and self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def update(self, endpoint: WebhookEndpoint) -> None:
        """The endpoint as now stored (its URL or event types may change)."""
        self.endpoint = endpoint

    def run(self) -> None:
        """Lead while this process holds the endpoint's lock; otherwise return."""
        try:
            if self.lock.try_acquire():
                self._leading.set()
                self._lead()
        except RECOVERABLE as error:
            logger.warning("webhook %s: %s; stepping down", self.endpoint.id, error)
        finally:
            self._leading.clear()
            self.lock.release()

    def _lead(self) -> None:
        secret = self.parts.secret_of(self.endpoint.id)
        sender = self.parts.new_sender()
        with ThreadPoolExecutor(self.parts.timings.concurrency) as pool:
            try:
                while secret is not None and not self._stopping.is_set():
                    self.lock.confirm()
                    self._wake.clear()
                    self._queue_new_events()
                    sleep = self._send_due(pool, sender, secret)
                    self._wake.wait(sleep)
            finally:
                self._stopping.set()
        close = getattr(sender, "close", None)
        if close is not None:
            close()

    # --- queueing ---------------------------------------------------------------

    def _queue_new_events(self) -> None:
        """Queue what the feed holds after the position, as room allows."""
        parts, endpoint_id = self.parts, self.endpoint.id
        while not self._stopping.is_set():
            room = parts.timings.max_pending - parts.queue.pending(endpoint_id)
            position = parts.tables.position(endpoint_id)
            if room <= 0 or position is None:
                return
            notifications = parts.feed.after(
                position, min(room, parts.timings.batch_size)
            )
            if not notifications:
                return
            page = build_page(
                notifications, len(notifications), parts.feed.mapper, parts.history_of
            )
            events = [
                NewEvent(item["id"], item["appointment"], render_body(item))
                for item in page.items
                if self.endpoint.wants(item["type"])
            ]
            found = parts.queue.enqueue(
                endpoint_id,
                expected_position=position,
                events=events,
                up_to=notifications[-1].id,
                now_ms=parts.clock.now_ms(),
            )
            if found is None:
                self._stopping.set()  # the endpoint was deleted

    # --- sending ----------------------------------------------------------------

    def _send_due(self, pool: ThreadPoolExecutor, sender: Sender, secret: str) -> float:
        """Start the due heads the circuit lets through; seconds until the
        runner must look again (unless woken sooner)."""
        timings, now = self.parts.timings, self.parts.clock.now_ms()
        with self._busy_lock:
            busy = set(self._busy)
        free = timings.concurrency - len(busy)
        heads = self.parts.queue.heads(self.endpoint.id, busy, free + 1)
        due = [h for h in heads if h.next_attempt_at <= now][:free]
        allowed = self.circuit.room(now, len(due))
        for event in due[:allowed]:
            with self._busy_lock:
                self._busy.add(event.position)
            pool.submit(self._deliver, sender, secret, event)
        later = [h.next_attempt_at for h in heads if h.next_attempt_at > now]
        reopens = self.circuit.reopens_at()
        wake_at = min([*later, *([reopens] if reopens else [])], default=None)
        if wake_at is None:
            return timings.idle_poll
        return min(timings.idle_poll, max(wake_at - now, 0) / 1000)

    def _deliver(self, sender: Sender, secret: str, event: QueuedEvent) -> None:
        try:
            attempted_at = self.parts.clock.now_ms()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: signature(secret, attempted_at // 1000, event.body),
            }
            outcome = sender.send(self.endpoint.url, event.body, headers)
            attempt = Delivery(
                id=new_delivery_id(),
                event=event.position,
                attempt=event.attempts + 1,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                attempted_at=attempted_at,
            )
            self._record(event, attempt)
        except (DatabaseUnavailable, psycopg.Error) as error:
            # The event stays queued, and is sent again.
            logger.warning("webhook %s: %s", self.endpoint.id, error)
        finally:
            with self._busy_lock:
                self._busy.discard(event.position)
            self._wake.set()

    def _record(self, event: QueuedEvent, attempt: Delivery) -> None:
        if attempt.error is None:
            self.circuit.succeeded()
            self.parts.queue.delivered(self.endpoint.id, attempt)
            return
        now = self.parts.clock.now_ms()
        self.circuit.failed(now)
        failure = self._failure(event, attempt, now)
        self.parts.queue.failed(self.endpoint.id, attempt, failure)
        if failure.disable_reason is not None:
            logger.warning(
                "webhook %s disabled: %s", self.endpoint.id, failure.disable_reason
            )
            self.stop(wait=False)

    def _failure(self, event: QueuedEvent, attempt: Delivery, now: int) -> Failure:
        policy = self.parts.policy
        failures = event.failures + 1
        failing_since = (
            attempt.attempted_at if event.failing_since is None else event.failing_since
        )
        reason = None
        if policy.gives_up(failing_since, now):
            hours = (now - failing_since) // 3_600_000
            reason = (
                f"Event {event.position} failed for {hours} hours "
                f"({failures} attempts); last error: {attempt.error}"
            )
        return Failure(
            failures=failures,
            failing_since=failing_since,
            next_attempt_at=now + policy.delay_ms(failures, self.parts.draw),
            disable_reason=reason,
        )
