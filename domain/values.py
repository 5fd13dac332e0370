"""Value types of the appointment model."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

Document = dict[str, Any]
"""An appointment as the API renders it (CONTRACT section 4): plain JSON values."""


class Status(StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


NOT_HELD = frozenset({Status.CANCELLED, Status.NO_SHOW})
"""The statuses of an appointment that did not take place: its time is free
again, and they are the ones that may apply to an occurrence of a series and
every later one."""


class AttendanceStatus(StrEnum):
    GOING = "going"
    NOT_GOING = "not_going"
    MAYBE = "maybe"
    PENDING = "pending"


class PaymentStatus(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"


class InteractionType(StrEnum):
    VIDEO_CALL = "video_call"
    IN_PERSON = "in_person"


class GeneratedFromType(StrEnum):
    RULE = "rule"
    OVERRIDE = "override"


MS_PER_HOUR = 3_600_000
MAX_DURATION_MS = 24 * MS_PER_HOUR
EARLIEST_START_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
LATEST_END_MS = 4_133_980_800_000  # 2101-01-01T00:00:00Z

NAME_MAX = 200
DESCRIPTION_MAX = 5000
VISIT_NOTE_MAX = 5000
LOCATION_FIELD_MAX = 500


def new_attendee(attendee_id: str, at: int) -> Document:
    return {
        "id": attendee_id,
        "attendance_status": AttendanceStatus.GOING.value,
        "no_show": False,
        "payment_status": PaymentStatus.NOT_APPLICABLE.value,
        "last_updated_at": at,
    }
