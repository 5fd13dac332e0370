"""Prometheus metrics of this process's event store, registered by the API
(``api.metrics``) so that ``/metrics`` shows them."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_APPENDED = Counter(
    "appointments_events_appended",
    "Events this process recorded in the event store.",
    registry=None,
)
SAVES_PER_COMMIT = Histogram(
    "appointments_group_commit_saves",
    "Saves per event-store transaction (group commit's group sizes).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
    registry=None,
)
GROUP_FALLBACKS = Counter(
    "appointments_group_commit_fallbacks",
    "Groups the store refused as a whole, whose saves were then redone one by one.",
    registry=None,
)
COLLECTORS = (EVENTS_APPENDED, SAVES_PER_COMMIT, GROUP_FALLBACKS)


def record_commit(*, saves: int, events: int) -> None:
    SAVES_PER_COMMIT.observe(saves)
    EVENTS_APPENDED.inc(events)
