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
from concurrent.futures import Future, ThreadPoolExecutor
from time import monotonic

from application.webhook_delivery import SIGNATURE_HEADER, Circuit, Sender, signature
from application.webhooks import Delivery, WebhookEndpoint, new_delivery_id
from infrastructure.advisory_locks import AdvisoryLock
from infrastructure.read_model.runner import RECOVERABLE
from infrastructure.webhooks.follower import EndpointFeed, Followed
from infrastructure.webhooks.queue import Attempted, Failure, QueuedEvent
from infrastructure.webhooks.runner_parts import RunnerParts

logger = logging.getLogger(__name__)

USER_AGENT = "Appointments-Webhooks/1.0"


class EndpointRunner:
    """Runs one endpoint's deliveries in a thread while this process holds
    the endpoint's lock; a pool of ``concurrency`` threads sends."""

    def __init__(
        self, endpoint: WebhookEndpoint, lock: AdvisoryLock, parts: RunnerParts
    ) -> None:
        self.endpoint = endpoint
        self.lock = lock
        self.parts = parts
        self.circuit = Circuit(parts.policy, parts.draw)
        self._busy: set[int] = set()
        """Positions being sent, or sent and not yet recorded."""
        self._finished: list[tuple[QueuedEvent, Delivery]] = []
        self._busy_lock = threading.Lock()
        self._wake = threading.Event()
        self._new_events = threading.Event()
        self._full = False
        self._next_check = 0.0
        self.feed = EndpointFeed(lambda: self.endpoint, parts)
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
        """New events were recorded: look at the feed now."""
        self._new_events.set()
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
                    self._wake.clear()
                    self._look_at_the_feed_when_due()
                    sleep = self._send_due(pool, sender, secret)
                    self._wake.wait(sleep)
            finally:
                self._stopping.set()
        self._settle(limit=0)  # record what was in flight when asked to stop
        close = getattr(sender, "close", None)
        if close is not None:
            close()

    def _look_at_the_feed_when_due(self) -> None:
        """Queue new events when told of some, or when the queue was full
        (room may have been made since); every ``idle_poll`` seconds anyway,
        then also confirming the lock and reading the position again."""
        if monotonic() >= self._next_check:
            self.lock.confirm()
            self.feed.forget()
            self._next_check = monotonic() + self.parts.timings.idle_poll
        elif not (self._new_events.is_set() or self._full):
            return
        self._new_events.clear()
        followed = self.feed.queue_new_events(lambda: not self._stopping.is_set())
        self._full = followed is Followed.FULL
        if followed is Followed.GONE:
            self._stopping.set()

    # --- sending ----------------------------------------------------------------

    def _send_due(self, pool: ThreadPoolExecutor, sender: Sender, secret: str) -> float:
        """Record the finished attempts, start the due heads the circuit lets
        through; seconds until the runner must look again (unless woken)."""
        timings = self.parts.timings
        heads = self._settle(limit=timings.concurrency + 1)
        now = self.parts.clock.now_ms()
        with self._busy_lock:
            free = timings.concurrency - len(self._busy)
        due = [h for h in heads if h.next_attempt_at <= now][: max(free, 0)]
        for event in due[: self.circuit.room(now, len(due))]:
            with self._busy_lock:
                self._busy.add(event.position)
            pool.submit(self._deliver, sender, secret, event).add_done_callback(
                self._log_failure
            )
        later = [h.next_attempt_at for h in heads if h.next_attempt_at > now]
        reopens = self.circuit.reopens_at()
        wake_at = min([*later, *([reopens] if reopens else [])], default=None)
        if wake_at is None:
            return timings.idle_poll
        return min(timings.idle_poll, max(wake_at - now, 0) / 1000)

    def _deliver(self, sender: Sender, secret: str, event: QueuedEvent) -> None:
        """Send one event (in a thread of the pool); the runner records it."""
        attempt = None
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
            self._count_in_circuit(attempt)
        finally:
            with self._busy_lock:
                if attempt is None:  # no outcome: send it again
                    self._busy.discard(event.position)
                else:
                    self._finished.append((event, attempt))
            self._wake.set()

    def _log_failure(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            logger.error("webhook %s: sending failed", self.endpoint.id, exc_info=error)

    def _count_in_circuit(self, attempt: Delivery) -> None:
        if attempt.error is None:
            self.circuit.succeeded()
        else:
            self.circuit.failed(self.parts.clock.now_ms())

    def _settle(self, limit: int) -> list[QueuedEvent]:
        """Record the attempts finished since the last look, and read up to
        ``limit`` heads not being sent, in one transaction."""
        with self._busy_lock:
            finished, self._finished = self._finished, []
            done = {event.position for event, _ in finished}
            busy = self._busy - done
        now = self.parts.clock.now_ms()
        attempts = [
            Attempted(a, None if a.error is None else self._failure(e, a, now))
            for e, a in finished
        ]
        heads = self.parts.queue.settle(self.endpoint.id, attempts, busy, limit)
        with self._busy_lock:
            self._busy.difference_update(done)
        self.feed.left_queue(sum(1 for a in attempts if a.failure is None))
        reasons = [a.failure.disable_reason for a in attempts if a.failure]
        for reason in filter(None, reasons):
            logger.warning("webhook %s disabled: %s", self.endpoint.id, reason)
            self._stopping.set()
        return heads

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
