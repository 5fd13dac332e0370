"""How each event changes the appointment document (CONTRACT section 4).

Pure functions, one per kind of event; each event's ``evolve`` is one of them.
The aggregate, the read model, time travel, the change log and the feed all
fold events through these, so they cannot disagree.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from domain.change_rules import find_attendee
from domain.ids import change_log_id
from domain.values import Document, Status, new_attendee

if TYPE_CHECKING:
    from domain.appointment import Appointment


def created(event: Appointment.Created) -> Document:
    """The new appointment, or the occurrence it was detached from as it was."""
    if event.detached_from is not None:
        return copy.deepcopy(event.detached_from)
    return {
        "id": event.originator_id,
        "object": "appointment",
        "generated_from_type": event.generated_from_type,
        "generated_from": event.generated_from,
        "appointment_type": event.appointment_type,
        "name": event.name,
        "description": event.description,
        "group": event.group,
        "internal": event.internal,
        "recurring": dict(event.recurring),
        "start_time": event.start_time,
        "end_time": event.end_time,
        "actual_start_time": None,
        "actual_end_time": None,
        "host": event.host,
        "attendees": [new_attendee(a, event.changed_at) for a in event.attendees],
        "reference_patients": (
            list(event.reference_patients or []) if event.internal else None
        ),
        "interaction_type": event.interaction_type,
        "video_call": dict(event.video_call) if event.video_call else None,
        "location": dict(event.location) if event.location else None,
        "status": Status.SCHEDULED.value,
        "status_history": [status_entry(Status.SCHEDULED.value, event)],
        "visit_note": None,
        "change_log": change_log_id(event.originator_id),
        "created_by": event.changed_by,
        "created_at": event.changed_at,
        "last_updated_at": event.changed_at,
        "metadata": dict(event.metadata),
    }


def updated(event: Appointment.Updated, document: Document) -> Document:
    return {**document, **event.fields, "last_updated_at": event.changed_at}


def status_changed(event: Appointment.StatusChanged, document: Document) -> Document:
    return {
        **document,
        "status": event.status,
        "status_history": [
            *document["status_history"],
            status_entry(event.status, event, reason=event.reason),
        ],
        "last_updated_at": event.changed_at,
    }


def attendee_changed(
    event: Appointment.AttendeeChanged, document: Document
) -> Document:
    attendees = [a for a in document["attendees"] if a["id"] != event.attendee_id]
    if event.change == "added":
        attendees.append(new_attendee(event.attendee_id, event.changed_at))
    elif event.change == "updated":
        current = find_attendee(document, event.attendee_id)
        index = document["attendees"].index(current)
        changed = {**current, **event.fields, "last_updated_at": event.changed_at}
        attendees.insert(index, changed)
    return {**document, "attendees": attendees, "last_updated_at": event.changed_at}


def upgraded(document: Document) -> Document:
    """A document recorded before metadata and status reasons existed, as
    it reads now: no metadata, no reasons."""
    history = [
        {**entry, "reason": entry.get("reason")} for entry in document["status_history"]
    ]
    return {
        **document,
        "metadata": document.get("metadata", {}),
        "status_history": history,
    }


def status_entry(
    status: str, event: Appointment.Event, *, reason: str | None = None
) -> Document:
    return {
        "status": status,
        "changed_by": event.changed_by,
        "changed_at": event.changed_at,
        "reason": reason,
    }
