"""What every endpoint runner of a process shares, and its timings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from application.ports import Clock
from application.webhook_delivery import RetryPolicy, Sender
from domain.appointment import Appointment
from infrastructure.read_model.catch_up import EventFeed
from infrastructure.webhooks.queue import DeliveryQueue
from infrastructure.webhooks.tables import WebhookTables

HistoryOf = Callable[[str], Sequence[Appointment.Event]]


@dataclass(frozen=True)
class DeliveryTimings:
    concurrency: int = 8
    """Deliveries in flight at once, per endpoint."""
    max_pending: int = 1000
    """Events queued per endpoint; the tracked position waits beyond that."""
    batch_size: int = 200
    idle_poll: float = 2.0
    """Longest sleep when nothing wakes a runner; how often it confirms its
    lock and reads its position again (a replay may have moved it)."""
    standby_poll: float = 1.0
    """How often each process looks for endpoints nobody runs."""


@dataclass(frozen=True)
class RunnerParts:
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
