"""What readers ask of the read model, and what it answers (a port)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from domain.values import Document

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class AppointmentState:
    """An appointment document and the aggregate version it shows."""

    document: Document
    version: int


@dataclass(frozen=True)
class ListQuery:
    """The list endpoint's filters (CONTRACT section 6); ``None`` means any."""

    limit: int = DEFAULT_PAGE_SIZE
    starting_after: str | None = None
    host: str | None = None
    attendee: str | None = None
    patient: str | None = None
    status: str | None = None
    interaction_type: str | None = None
    internal: bool | None = None
    group: bool | None = None
    appointment_type: str | None = None
    start_time_gte: int | None = None
    start_time_lt: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    """Each key must hold exactly this value (``?metadata[KEY]=VALUE``)."""


@dataclass(frozen=True)
class Page:
    data: list[Document]
    has_more: bool


class UnknownCursor(Exception):
    """``starting_after`` names no appointment in the read model."""

    def __init__(self, appointment_id: str) -> None:
        super().__init__(
            f"'starting_after' names no known appointment: {appointment_id}"
        )
        self.appointment_id = appointment_id


class ReadModel(Protocol):
    """Appointments as projected from the events, for retrieve and list."""

    def get(self, appointment_id: str) -> AppointmentState | None:
        """The projected document and its version, or None if unknown."""
        ...

    def list(self, query: ListQuery) -> Page:
        """Ordered by (start_time, id), keyset-paginated; may raise UnknownCursor."""
        ...

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until the view has processed feed ``position``; False on timeout."""
        ...


@dataclass(frozen=True)
class RenderedAppointment:
    """An appointment's response body as the read model keeps it (JSON bytes
    in the API's field order) and its version (the ``ETag``)."""

    version: int
    body: bytes


class RenderedReads(Protocol):
    """Retrieve's fast path: the stored response body, without a thread."""

    async def rendered(self, appointment_id: str) -> RenderedAppointment | None:
        """The current body, at least as new as any write already answered
        by any process; None when this path cannot tell (no stored row: an
        occurrence without a history of its own, or unknown; or the database
        failed): then ``ReadModel.get`` answers."""
        ...

    async def aclose(self) -> None:
        """Close what it holds in the running event loop (its connections)."""
        ...
