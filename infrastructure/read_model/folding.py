"""Applying a batch of events to the current states, in memory and purely."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from application.queries import AppointmentState
from domain.appointment import Appointment


class PositionedEvent(NamedTuple):
    """An appointment event and its position in the application's sequence."""

    position: int
    event: Appointment.Event


class EventOutOfSequence(Exception):
    """An event does not follow the projected version: applying it would skip
    or repeat a change, so the batch is refused."""

    def __init__(self, appointment_id: str, projected: int, received: int) -> None:
        super().__init__(
            f"Appointment {appointment_id} is projected at version {projected}; "
            f"event version {received} does not follow it."
        )
        self.appointment_id = appointment_id
        self.projected = projected
        self.received = received


def evolve_states(
    states: Mapping[str, AppointmentState], events: Iterable[Appointment.Event]
) -> dict[str, AppointmentState]:
    """The states of the appointments the events touch, after the events."""
    evolved: dict[str, AppointmentState] = {}
    for event in events:
        current = evolved.get(event.originator_id) or states.get(event.originator_id)
        evolved[event.originator_id] = evolve_one(current, event)
    return evolved


def evolve_one(
    current: AppointmentState | None, event: Appointment.Event
) -> AppointmentState:
    projected = current.version if current else 0
    if event.originator_version != projected + 1:
        raise EventOutOfSequence(
            event.originator_id, projected, event.originator_version
        )
    document = event.evolve(current.document if current else {})
    return AppointmentState(document, event.originator_version)
