"""Pure derivations over an appointment's events.

Status history, the change log and past states are never stored: they are
folds of the event list, so they cannot drift from what actually happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.appointment import Appointment
from domain.values import Document

UNTRACKED_FIELDS = frozenset({"last_updated_at", "status_history"})
"""Bookkeeping fields every change touches; each entry's time and status show them."""

CREATED_HIDDEN_FIELDS = frozenset({"id", "object", "change_log"})


def fold(events: Iterable[Appointment.Event]) -> Document | None:
    """The appointment document after the given events, oldest first."""
    document: Document | None = None
    for event in events:
        document = event.evolve(document or {})
    return document


def change_log(events: Sequence[Appointment.Event]) -> list[Document]:
    """One entry per event, oldest first, each with its field-level diff."""
    entries: list[Document] = []
    before: Document = {}
    for event in events:
        after = event.evolve(before)
        entries.append(change_log_entry(event, before, after))
        before = after
    return entries


def change_log_entry(
    event: Appointment.Event, before: Document, after: Document
) -> Document:
    return {
        "version": event.originator_version,
        "event": event.kind,
        "changed_by": event.changed_by,
        "changed_at": event.changed_at,
        "api_key": event.api_key,
        "reason": reason_of(event),
        "changes": diff(before, after),
    }


def reason_of(event: Appointment.Event) -> str | None:
    """The reason given with a status change; ``None`` for other events."""
    if isinstance(event, Appointment.StatusChanged):
        return event.reason
    return None


def diff(before: Document, after: Document) -> dict[str, dict[str, Any]]:
    """Name each changed field of the appointment object with its from and to."""
    if not before:
        return {
            field: {"from": None, "to": value}
            for field, value in after.items()
            if value is not None and field not in CREATED_HIDDEN_FIELDS
        }
    changes: dict[str, dict[str, Any]] = {}
    for field, value in after.items():
        if field in UNTRACKED_FIELDS or before.get(field) == value:
            continue
        if field == "attendees":
            changes.update(attendee_diff(before[field], value))
        else:
            changes[field] = {"from": before.get(field), "to": value}
    return changes


def attendee_diff(
    before: list[Document], after: list[Document]
) -> dict[str, dict[str, Any]]:
    old = {a["id"]: a for a in before}
    new = {a["id"]: a for a in after}
    changes: dict[str, dict[str, Any]] = {}
    for attendee_id in old.keys() - new.keys():
        changes[f"attendees.{attendee_id}"] = {"from": old[attendee_id], "to": None}
    for attendee_id in new.keys() - old.keys():
        changes[f"attendees.{attendee_id}"] = {"from": None, "to": new[attendee_id]}
    for attendee_id in old.keys() & new.keys():
        for field, value in new[attendee_id].items():
            if field != "last_updated_at" and old[attendee_id][field] != value:
                key = f"attendees.{attendee_id}.{field}"
                changes[key] = {"from": old[attendee_id][field], "to": value}
    return dict(sorted(changes.items()))


def events_up_to_version(
    events: Sequence[Appointment.Event], version: int
) -> list[Appointment.Event]:
    return [e for e in events if e.originator_version <= version]


def events_as_of(
    events: Sequence[Appointment.Event], at: int
) -> list[Appointment.Event]:
    """Events recorded at or before ``at`` (ms): ``as_of`` includes that millisecond."""
    return [e for e in events if e.changed_at <= at]
