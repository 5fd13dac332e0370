"""What a change to an existing appointment may ask (CONTRACT sections 5 and 6).

Pure checks over the current document, run by the aggregate's commands before
any event is triggered: the fields an update may set and their values, an
attendee's fields, a requested status (its name, reason and transition), and
the ``scope`` a status change may have (CONTRACT section 11).
"""

from __future__ import annotations

from typing import Any

from domain.errors import AttendeeNotFound, InvalidAppointment
from domain.occurrences import is_occurrence, is_recurring
from domain.status import check_transition
from domain.validation import check_actual_times, check_reference_patients, check_text
from domain.values import (
    DESCRIPTION_MAX,
    NAME_MAX,
    NOT_HELD,
    VISIT_NOTE_MAX,
    AttendanceStatus,
    Document,
    PaymentStatus,
    Status,
)

UPDATABLE_FIELDS = (
    "name",
    "description",
    "actual_start_time",
    "actual_end_time",
    "reference_patients",
    "visit_note",
)
"""Plain fields an update may set; attendees are handled per attendee."""

ATTENDEE_FIELDS = ("attendance_status", "no_show", "payment_status")
ATTENDEE_ENUMS: dict[str, type[AttendanceStatus] | type[PaymentStatus]] = {
    "attendance_status": AttendanceStatus,
    "payment_status": PaymentStatus,
}


def check_field_changes(document: Document, changes: dict[str, Any]) -> None:
    """Raise the first rule an update of plain fields breaks, if any."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        param = sorted(unknown)[0]
        raise InvalidAppointment(f"'{param}' cannot be updated.", param)
    if "name" in changes:
        check_text("name", changes["name"], min_length=1, max_length=NAME_MAX)
    if "description" in changes:
        check_text(
            "description",
            changes["description"],
            min_length=0,
            max_length=DESCRIPTION_MAX,
        )
    if changes.get("visit_note") is not None:
        check_text(
            "visit_note", changes["visit_note"], min_length=1, max_length=VISIT_NOTE_MAX
        )
    check_actual_time_changes(document, changes)
    if "reference_patients" in changes:
        patients = changes["reference_patients"]
        if patients is None:
            raise InvalidAppointment(
                "'reference_patients' must be a list.", "reference_patients"
            )
        check_reference_patients(patients, internal=document["internal"])


def check_actual_time_changes(document: Document, changes: dict[str, Any]) -> None:
    touched = {"actual_start_time", "actual_end_time"} & set(changes)
    if not touched:
        return
    if is_recurring(document):
        param = sorted(touched)[0]
        raise InvalidAppointment(
            f"'{param}' only applies to non-recurring appointments.", param
        )
    check_actual_times(
        changes.get("actual_start_time", document["actual_start_time"]),
        changes.get("actual_end_time", document["actual_end_time"]),
    )


def check_attendee_changes(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(ATTENDEE_FIELDS)
    if unknown:
        param = sorted(unknown)[0]
        raise InvalidAppointment(f"'{param}' is not an attendee field.", param)
    for field, enum in ATTENDEE_ENUMS.items():
        if field in changes and changes[field] not in {e.value for e in enum}:
            allowed = ", ".join(e.value for e in enum)
            raise InvalidAppointment(f"'{field}' must be one of: {allowed}.", field)
    if "no_show" in changes and not isinstance(changes["no_show"], bool):
        raise InvalidAppointment("'no_show' must be a boolean.", "no_show")


def find_attendee(document: Document, attendee_id: str) -> Document:
    """A copy of the attendee's entry, or ``AttendeeNotFound``."""
    for attendee in document["attendees"]:
        if attendee["id"] == attendee_id:
            return dict(attendee)
    raise AttendeeNotFound(document["id"], attendee_id)


THIS = "this"
THIS_AND_FOLLOWING = "this_and_following"
SCOPES = (THIS, THIS_AND_FOLLOWING)
ENDING_STATUSES = NOT_HELD
"""The statuses that may apply to an occurrence and every later one."""


def check_status_change(current: Status, status: str, reason: str | None) -> Status:
    """The requested status, if the appointment may move to it with ``reason``."""
    requested = parse_status(status)
    if reason is not None:
        check_text("reason", reason, min_length=0, max_length=DESCRIPTION_MAX)
    check_transition(current, requested)
    return requested


def check_scope(document: Document, status: Status, scope: str) -> None:
    """``this_and_following`` only cancels or marks as a no-show an occurrence
    of a series and every later one (CONTRACT section 11)."""
    if scope not in SCOPES:
        raise InvalidAppointment(
            "'scope' must be 'this' or 'this_and_following'.", "scope"
        )
    if scope == THIS:
        return
    if status not in ENDING_STATUSES:
        raise InvalidAppointment(
            "'scope': 'this_and_following' only goes with 'cancelled' or 'no_show'.",
            "scope",
        )
    if not is_occurrence(document):
        raise InvalidAppointment(
            "'scope': 'this_and_following' applies to an occurrence of a series.",
            "scope",
        )


def parse_status(status: str) -> Status:
    try:
        return Status(status)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidAppointment(
            f"'status' must be one of: {allowed}.", "status"
        ) from None
