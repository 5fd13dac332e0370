"""The time each appointment occupies, per person (CONTRACT section 9).

A booking is what one aggregate holds after a save: a slot per person (host
and each attendee) and per occurrence. The event store's recorder replaces the
aggregate's previous slots with these in the transaction that appends its
events, where PostgreSQL refuses two exclusive slots of one person that overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.recurrence import Series
from domain.occurrences import is_occurrence, is_series, occurrence_id_in
from domain.values import NOT_HELD, Document


@dataclass(frozen=True)
class Slot:
    """``person`` is busy from ``start_time`` to ``end_time`` (ms, end
    excluded) with ``appointment`` (an appointment's or an occurrence's id)."""

    person: str
    appointment: str
    start_time: int
    end_time: int


@dataclass(frozen=True)
class Booking:
    """The slots aggregate ``owner`` holds once its events are recorded.

    ``exclusive`` is false when the write said ``allow_overlap``: such slots
    are checked against nothing but still make their people busy.
    ``takes_over`` is set for an occurrence with a history of its own: the
    slot its series held for it is released to it.
    """

    owner: str
    slots: tuple[Slot, ...]
    exclusive: bool = True
    takes_over: bool = False


@dataclass(frozen=True)
class Busy:
    """One appointment that keeps a person busy."""

    start_time: int
    end_time: int
    appointment: str


class BusyTimes(Protocol):
    """Where the occupied slots are read: the event store's occupancy table,
    on the primary or a replica of it."""

    def busy(self, person: str, start_time_gte: int, start_time_lt: int) -> list[Busy]:
        """The person's slots starting in the window, ordered by start time."""
        ...


def booking_of(document: Document, *, allow_overlap: bool = False) -> Booking:
    """The time ``document`` occupies: none once cancelled or a no-show; a
    series, each of its occurrences (within the occurrence cap)."""
    owner = document["id"]
    exclusive = not allow_overlap
    takes_over = is_occurrence(document)
    if document["status"] in NOT_HELD:
        return Booking(owner, (), exclusive, takes_over)
    people = [document["host"], *(a["id"] for a in document["attendees"])]
    return Booking(owner, tuple(_slots(document, people)), exclusive, takes_over)


def _slots(document: Document, people: list[str]) -> list[Slot]:
    duration = document["end_time"] - document["start_time"]
    if is_series(document):
        occupied = [
            (occurrence_id_in(document, start), start)
            for start in Series.of(document).starts()
        ]
    else:
        occupied = [(document["id"], document["start_time"])]
    return [
        Slot(person, appointment, start, start + duration)
        for appointment, start in occupied
        for person in people
    ]


def rebooking(
    before: Document | None, after: Document, *, allow_overlap: bool = False
) -> list[Booking]:
    """The booking to record with a change, or none when the change leaves
    every slot as it was (``before`` is ``None`` for a new aggregate)."""
    if before is not None and _occupying(before) == _occupying(after):
        return []
    return [booking_of(after, allow_overlap=allow_overlap)]


def _occupying(document: Document) -> tuple[object, ...]:
    """Everything a document's slots are made of (``booking_of``): documents
    equal in these occupy the same slots, with no series expanded to tell."""
    return (
        document["id"],
        document["status"] in NOT_HELD,
        document["host"],
        tuple(attendee["id"] for attendee in document["attendees"]),
        document["start_time"],
        document["end_time"],
        document["recurring"],
    )
