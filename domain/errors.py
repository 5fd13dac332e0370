"""The domain's exceptions: each carries the facts a caller needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class ExplainedError(Exception):
    """An error that explains itself to a caller: a message and, when one
    parameter is at fault, its name. The base of the domain's and the
    application's errors alike."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class AppointmentError(ExplainedError):
    """Base of every rule the appointment domain can refuse."""


class InvalidAppointment(AppointmentError):
    """A value breaks a validation rule (CONTRACT section 5)."""


class MissingParameter(AppointmentError):
    """A required value was not given."""


class InvalidStatusTransition(AppointmentError):
    def __init__(self, current: str, requested: str) -> None:
        super().__init__(
            f"An appointment cannot move from '{current}' to '{requested}'.",
            param="status",
        )
        self.current = current
        self.requested = requested


class SeriesAlreadyOver(AppointmentError):
    """Every occurrence of a series has started: none is left to end."""

    def __init__(self, series_id: str, requested: str) -> None:
        super().__init__(
            f"Every occurrence of series {series_id} has started: none is left "
            f"to mark '{requested}'.",
            param="status",
        )
        self.series_id = series_id
        self.requested = requested


class AppointmentCancelled(AppointmentError):
    def __init__(self, appointment_id: str) -> None:
        super().__init__(
            f"Appointment {appointment_id} is cancelled and accepts no changes."
        )
        self.appointment_id = appointment_id


class AttendeeNotFound(AppointmentError):
    def __init__(self, appointment_id: str, attendee_id: str) -> None:
        super().__init__(
            f"Attendee '{attendee_id}' is not on appointment {appointment_id}.",
            param="attendee_id",
        )
        self.appointment_id = appointment_id
        self.attendee_id = attendee_id


class Conflict(NamedTuple):
    """Another appointment that already holds one person's time."""

    appointment: str
    user: str


class ScheduleConflict(AppointmentError):
    """The change would make a person occupied twice (CONTRACT section 9)."""

    def __init__(self, conflicts: Sequence[Conflict]) -> None:
        people = sorted({c.user for c in conflicts})
        who = f" for {', '.join(people)}" if people else ""
        super().__init__(f"The time is already booked{who}.")
        self.conflicts = list(conflicts)
