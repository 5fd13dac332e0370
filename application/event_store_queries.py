"""Reading the event store: loading an appointment, its events, its past states,
its change log, and the global feed. The base of the appointments application."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.application import AggregateNotFoundError, Application

from application.acting import acting_key
from application.errors import (
    AppointmentNotFound,
    VersionNotFound,
    database_errors,
)
from application.feed_items import FeedPage, build_page
from application.queries import AppointmentState
from application.recurrence import find_occurrence
from domain.appointment import Appointment
from domain.history import change_log, events_as_of, events_up_to_version, fold
from domain.ids import change_log_id, is_appointment_id
from domain.values import Document


class EventStoreQueries(Application[str]):
    """Every answer here is folded from the stored events, never from a read model."""

    def get(self, appointment_id: str) -> AppointmentState:
        appointment = self._load(appointment_id)
        return AppointmentState(dict(appointment.document), appointment.version)

    def get_at_version(self, appointment_id: str, version: int) -> AppointmentState:
        events = self.events_of(appointment_id)
        if not 1 <= version <= len(events):
            raise VersionNotFound(appointment_id, version, len(events))
        return self._state_of(events_up_to_version(events, version))

    def get_as_of(self, appointment_id: str, at: int) -> AppointmentState:
        events = events_as_of(self.events_of(appointment_id), at)
        if not events:
            raise AppointmentNotFound(appointment_id, param="as_of")
        return self._state_of(events)

    def change_log(self, appointment_id: str) -> Document:
        """Every change, oldest first; an occurrence that never changed on its
        own has none (its series' log shows the series' changes)."""
        try:
            entries = change_log(self.events_of(appointment_id))
        except AppointmentNotFound:
            self._occurrence(appointment_id)
            entries = []
        return {
            "id": change_log_id(appointment_id),
            "object": "change_log",
            "appointment": appointment_id,
            "entries": entries,
        }

    def feed(self, *, after: int, limit: int) -> FeedPage:
        """Events after feed position ``after``, in the order they were recorded."""
        with database_errors():
            notifications = self.recorder.select_notifications(
                start=after + 1, limit=limit + 1
            )
            return build_page(notifications, limit, self.mapper, self.events_of)

    def head_position(self) -> int:
        """The newest feed position in the event store (0 when empty)."""
        with database_errors():
            return self.recorder.max_notification_id() or 0

    def events_of(self, appointment_id: str) -> list[Appointment.Event]:
        if not is_appointment_id(appointment_id):
            raise AppointmentNotFound(appointment_id)
        with database_errors():
            events = [
                e
                for e in self.events.get(appointment_id)
                if isinstance(e, Appointment.Event)
            ]
        if not events:
            raise AppointmentNotFound(appointment_id)
        return events

    def _load(self, appointment_id: str) -> Appointment:
        if not is_appointment_id(appointment_id):
            raise AppointmentNotFound(appointment_id)
        try:
            with database_errors():
                appointment: Appointment = self.repository.get(appointment_id)
        except AggregateNotFoundError:
            raise AppointmentNotFound(appointment_id) from None
        appointment.act_as(acting_key())  # its next changes are this request's
        return appointment

    def _occurrence(self, occurrence_id: str) -> Document:
        """The occurrence an id names, as its series shows it, or not found."""
        occurrence = find_occurrence(occurrence_id, self._stored_document)
        if occurrence is None:
            raise AppointmentNotFound(occurrence_id)
        return occurrence

    def _stored_document(self, appointment_id: str) -> Document | None:
        try:
            return self._load(appointment_id).document
        except AppointmentNotFound:
            return None

    @staticmethod
    def _state_of(events: Sequence[Appointment.Event]) -> AppointmentState:
        return AppointmentState(fold(events) or {}, events[-1].originator_version)
