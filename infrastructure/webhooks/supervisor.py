"""Webhook delivery as one process runs it (in ``serve`` and in ``worker``).

A thread listens for the event store's ``NOTIFY`` and wakes this process's
endpoint runners. About once a second (sooner after a write) it looks at the
enabled endpoints: it starts a runner for each endpoint that no process runs
(the runner then takes the endpoint's advisory lock, or gives way), hands
changed endpoints to their runners, and stops runners of endpoints deleted or
disabled. Once an hour it forgets attempts older than 30 days.
"""

from __future__ import annotations

import logging
import threading
from time import monotonic

from application.webhooks import WebhookEndpoint
from infrastructure.advisory_locks import AdvisoryLock
from infrastructure.read_model.runner import RECOVERABLE, STOP_CHECK_SECONDS
from infrastructure.read_model.wakeup import NewEventsSignal
from infrastructure.webhooks.runner import EndpointRunner
from infrastructure.webhooks.runner_parts import RunnerParts
from infrastructure.webhooks.store import PostgresWebhookStore

logger = logging.getLogger(__name__)

RETENTION_MS = 30 * 24 * 3_600_000
PRUNE_EVERY_SECONDS = 3600.0
LOOK_AFTER_WRITE_SECONDS = 0.2
RETRY_DELAY_SECONDS = 1.0


def lock_prefix(schema: str) -> str:
    return f"{schema}:webhook:"


class WebhookDelivery:
    def __init__(
        self, *, parts: RunnerParts, store: PostgresWebhookStore, database_url: str
    ) -> None:
        self.parts = parts
        self.store = store
        self.database_url = database_url
        self.lock_prefix = lock_prefix(parts.tables.datastore.schema)
        self.runners: dict[str, EndpointRunner] = {}
        self._retired: list[EndpointRunner] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_prune = 0.0

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.is_running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self.run, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop looking, and stop the runners after their sends in flight."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        runners = [*self.runners.values(), *self._retired]
        self.runners, self._retired = {}, []
        for runner in runners:
            runner.stop(wait=False)
        for runner in runners:
            runner.stop(timeout=timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except RECOVERABLE as error:
                logger.warning("webhooks: %s; retrying", error)
                self._stopping.wait(RETRY_DELAY_SECONDS)

    def _listen(self) -> None:
        channel = self.parts.feed.recorder.channel_name
        with NewEventsSignal(self.database_url, channel) as signal:
            next_look = 0.0
            while not self._stopping.is_set():
                if monotonic() >= next_look:
                    self.look()
                    next_look = monotonic() + self.parts.timings.standby_poll
                if signal.wait(STOP_CHECK_SECONDS):
                    for runner in list(self.runners.values()):
                        runner.wake()
                    next_look = min(next_look, monotonic() + LOOK_AFTER_WRITE_SECONDS)

    def look(self) -> None:
        """Start, update and stop runners to match the enabled endpoints."""
        endpoints = self.store.enabled_with_leaders(self.lock_prefix)
        enabled = {endpoint.id for endpoint, _ in endpoints}
        for endpoint_id, runner in list(self.runners.items()):
            if endpoint_id not in enabled or not runner.is_running:
                runner.stop(wait=False)
                self._retired.append(self.runners.pop(endpoint_id))
        self._retired = [r for r in self._retired if r.is_running]
        for endpoint, led in endpoints:
            running = self.runners.get(endpoint.id)
            if running is not None:
                running.update(endpoint)
            elif not led:
                self._start_runner(endpoint)
        self._prune_when_due()

    def _start_runner(self, endpoint: WebhookEndpoint) -> None:
        lock = AdvisoryLock(self.database_url, self.lock_prefix + endpoint.id)
        runner = EndpointRunner(endpoint, lock, self.parts)
        self.runners[endpoint.id] = runner
        runner.start()

    def _prune_when_due(self) -> None:
        if monotonic() < self._next_prune:
            return
        pruned = self.parts.queue.prune(self.parts.clock.now_ms() - RETENTION_MS)
        if pruned:
            logger.info("webhooks: forgot %d delivery attempts", pruned)
        self._next_prune = monotonic() + PRUNE_EVERY_SECONDS
