"""Webhooks (CONTRACT section 10): endpoints in PostgreSQL, and delivery
runners following the event store (see docs/webhooks.md)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from eventsourcing.postgres import PostgresApplicationRecorder

from application.ports import Clock, SystemClock
from application.service import AppointmentsApplication
from application.webhook_delivery import RetryPolicy, Sender
from application.webhooks import Webhooks
from infrastructure.read_model.catch_up import EventFeed
from infrastructure.webhooks.queue import DeliveryQueue
from infrastructure.webhooks.runner_parts import DeliveryTimings, RunnerParts
from infrastructure.webhooks.sender import HttpSender
from infrastructure.webhooks.ssrf import PublicUrlGuard, Resolver, system_resolver
from infrastructure.webhooks.store import PostgresWebhookStore
from infrastructure.webhooks.supervisor import WebhookDelivery
from infrastructure.webhooks.tables import WebhookTables

__all__ = ["DeliveryOptions", "DeliveryTimings", "WebhookDelivery", "build_webhooks"]


@dataclass(frozen=True)
class DeliveryOptions:
    """How delivery is set up; tests change the clock, timings and resolver."""

    allow_private: bool = False
    clock: Clock = field(default_factory=SystemClock)
    resolver: Resolver = system_resolver
    timings: DeliveryTimings = field(default_factory=DeliveryTimings)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    draw: Callable[[], float] = random.random


def build_webhooks(
    app: AppointmentsApplication, database_url: str, options: DeliveryOptions
) -> tuple[Webhooks, WebhookDelivery]:
    """The endpoints' service and this process's delivery (not started), on
    the event store's connection pool; the tables are created if missing."""
    if not isinstance(app.recorder, PostgresApplicationRecorder):
        raise TypeError("Webhooks need the PostgreSQL event store.")
    tables = WebhookTables(app.recorder.datastore)
    tables.create_table()
    store = PostgresWebhookStore(tables)
    guard = PublicUrlGuard(
        allow_private=options.allow_private, resolver=options.resolver
    )
    timings = options.timings

    def new_sender() -> Sender:
        return HttpSender(guard, concurrency=timings.concurrency)

    parts = RunnerParts(
        feed=EventFeed.of(app),
        history_of=app.events_of,
        tables=tables,
        queue=DeliveryQueue(tables),
        secret_of=store.secret,
        new_sender=new_sender,
        clock=options.clock,
        policy=options.policy,
        draw=options.draw,
        timings=timings,
    )
    service = Webhooks(store, guard, app.clock, app.head_position)
    delivery = WebhookDelivery(parts=parts, store=store, database_url=database_url)
    return service, delivery
