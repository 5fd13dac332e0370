"""The global event feed's items (CONTRACT section 6, "Event feed item"): each
stored event with the appointment right after it and what it changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eventsourcing.persistence import Mapper, Notification

from domain.appointment import Appointment
from domain.history import diff, fold, reason_of
from domain.values import Document

EVENT_TYPE_PREFIX = "appointment."


@dataclass(frozen=True)
class FeedPage:
    items: list[Document]
    has_more: bool


def feed_item(
    position: int, event: Appointment.Event, history: Sequence[Appointment.Event]
) -> Document:
    """One feed item: the event, who made it and why (the reason given with a
    status change, else ``None``), the appointment right after it, the diff."""
    before = fold(e for e in history if e.originator_version < event.originator_version)
    after = event.evolve(before or {})
    return {
        "id": position,
        "object": "event",
        "type": EVENT_TYPE_PREFIX + event.kind,
        "appointment": event.originator_id,
        "version": event.originator_version,
        "occurred_at": event.changed_at,
        "changed_by": event.changed_by,
        "api_key": event.api_key,
        "reason": reason_of(event),
        "data": {"object": after, "changes": diff(before or {}, after)},
    }


def build_page(
    notifications: Sequence[Notification],
    limit: int,
    mapper: Mapper[str],
    history_of: Callable[[str], Sequence[Appointment.Event]],
) -> FeedPage:
    """Items for at most ``limit`` notifications; one more means ``has_more``."""
    histories: dict[str, Sequence[Appointment.Event]] = {}
    items: list[Document] = []
    for notification in notifications[:limit]:
        event = mapper.to_domain_event(notification)
        if not isinstance(event, Appointment.Event):
            continue
        appointment_id = event.originator_id
        if appointment_id not in histories:
            histories[appointment_id] = history_of(appointment_id)
        items.append(feed_item(notification.id, event, histories[appointment_id]))
    return FeedPage(items=items, has_more=len(notifications) > limit)
