"""Errors the application raises beyond the domain's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import InterfaceError, OperationalError

from domain.errors import ExplainedError


class ApplicationError(ExplainedError):
    """Base of what the application refuses or fails at beyond the domain's rules."""


class AppointmentNotFound(ApplicationError):
    def __init__(self, appointment_id: str, param: str | None = "id") -> None:
        super().__init__(f"No such appointment: {appointment_id}", param)
        self.appointment_id = appointment_id


class VersionMismatch(ApplicationError):
    def __init__(self, appointment_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"Appointment {appointment_id} is at version {current}, "
            f"not the expected {expected}.",
            "If-Match",
        )
        self.expected = expected
        self.current = current


class VersionNotFound(ApplicationError):
    def __init__(self, appointment_id: str, version: int, latest: int) -> None:
        super().__init__(
            f"Appointment {appointment_id} has versions 1 to {latest}, not {version}.",
            "version",
        )


class DatabaseUnavailable(ApplicationError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"The database is unavailable: {detail}")


class WriteContention(ApplicationError):
    """Concurrent writers kept winning; the command was retried until its
    time ran out."""

    def __init__(self, appointment_id: str, seconds: float) -> None:
        super().__init__(
            f"Appointment {appointment_id} kept changing for {seconds:g} s while "
            "this change was being applied; try again."
        )


@contextmanager
def database_errors() -> Iterator[None]:
    """The store's connection failures, as the application's own error."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DatabaseUnavailable(detail) from error
