"""The appointments projection: which events it reads, and how it applies them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Mapper, Notification, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.appointment import Appointment
from infrastructure.read_model.folding import PositionedEvent
from infrastructure.read_model.view import AppointmentsView


def event_classes(base: type[Appointment.Event]) -> Iterator[type[Appointment.Event]]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from event_classes(subclass)


class AppointmentsProjection(Projection[AppointmentsView]):
    """Projects every Appointment event into the appointments view.

    Usable by the library's ``ProjectionRunner`` (one event per transaction)
    and by ``ProjectionWorker`` (a batch per transaction, via ``process_batch``).
    """

    name = "appointments"
    topics: tuple[str, ...] = tuple(
        sorted({get_topic(cls) for cls in event_classes(Appointment.Event)})
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        raise UnexpectedEvent(domain_event, tracking)

    @process_event.register
    def _appointment_event(self, event: Appointment.Event, tracking: Tracking) -> None:
        self.view.apply([PositionedEvent(tracking.notification_id, event)], tracking)

    def process_batch(
        self, notifications: Sequence[Notification], mapper: Mapper[str], upstream: str
    ) -> int:
        """Apply a batch in one transaction; the view's position after it."""
        return self.view.apply(*self.batch(notifications, mapper, upstream))

    def batch(
        self, notifications: Sequence[Notification], mapper: Mapper[str], upstream: str
    ) -> tuple[list[PositionedEvent], Tracking]:
        """The batch's appointment events, and its tracking: its last
        notification (notifications of other topics only move the position on)."""
        events = [
            PositionedEvent(n.id, self._appointment_event_of(n, mapper))
            for n in notifications
            if n.topic in self.topics
        ]
        return events, Tracking(upstream, notifications[-1].id)

    @staticmethod
    def _appointment_event_of(
        notification: Notification, mapper: Mapper[str]
    ) -> Appointment.Event:
        event = mapper.to_domain_event(notification)
        if not isinstance(event, Appointment.Event):
            raise UnexpectedEvent(event, Tracking("", notification.id))
        return event


class UnexpectedEvent(Exception):
    def __init__(self, event: object, tracking: Tracking) -> None:
        super().__init__(
            f"The appointments projection cannot apply {type(event).__name__} "
            f"(notification {tracking.notification_id})."
        )
