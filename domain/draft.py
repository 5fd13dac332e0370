"""What a caller asks for when scheduling a new appointment."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

from domain.metadata import check_metadata
from domain.occurrences import is_series
from domain.validation import (
    check_appointment_type,
    check_attendees,
    check_caller_id,
    check_generated_from,
    check_interaction,
    check_planned_times,
    check_recurring,
    check_reference_patients,
    check_text,
)
from domain.values import DESCRIPTION_MAX, NAME_MAX, Document, InteractionType


@dataclass(frozen=True)
class AppointmentDraft:
    """Every field a new appointment is created from: the one list of them.

    The ``Created`` event carries each (``created_by`` as its ``changed_by``),
    and a draft can be read back from any appointment document (``of``).
    """

    name: str
    description: str
    group: bool
    internal: bool
    start_time: int
    end_time: int
    host: str
    attendees: list[str]
    created_by: str
    generated_from_type: str | None = None
    generated_from: str | None = None
    appointment_type: str | None = None
    reference_patients: list[str] | None = None
    interaction_type: str = InteractionType.VIDEO_CALL.value
    location: dict[str, Any] | None = None
    recurring: dict[str, Any] = field(default_factory=lambda: {"is_recurring": False})
    metadata: dict[str, str] = field(default_factory=dict)
    """The caller's key-value pairs; a key with ``""`` is not kept."""
    allow_overlap: bool = False
    """Book this time even where it overlaps others' (CONTRACT section 9); not
    a field of the appointment, recorded in its ``Created`` event."""

    @classmethod
    def of(cls, document: Document, *, created_by: str) -> AppointmentDraft:
        """The draft of an existing appointment's fields, attendees by id."""
        copied = {
            f.name: copy.deepcopy(document[f.name])
            for f in fields(cls)
            if f.name not in {"attendees", "created_by", "allow_overlap"}
        }
        attendees = [a["id"] for a in document["attendees"]]
        return cls(**copied, attendees=attendees, created_by=created_by)

    @property
    def is_video_call(self) -> bool:
        return self.interaction_type == InteractionType.VIDEO_CALL

    @property
    def is_series(self) -> bool:
        return is_series(self.series_times())

    def series_times(self) -> dict[str, Any]:
        """What expanding the series needs: its first times and its rule."""
        return {
            "start_time": self.start_time,
            "end_time": self.end_time,
            "recurring": self.recurring,
        }

    def validate(self) -> None:
        """Raise the first broken rule of CONTRACT section 5, if any."""
        check_text("name", self.name, min_length=1, max_length=NAME_MAX)
        check_text(
            "description", self.description, min_length=0, max_length=DESCRIPTION_MAX
        )
        check_planned_times(self.start_time, self.end_time)
        check_caller_id("host", self.host)
        check_caller_id("created_by", self.created_by)
        check_attendees(self.attendees, host=self.host, group=self.group)
        check_generated_from(self.generated_from_type, self.generated_from)
        check_appointment_type(self.appointment_type, internal=self.internal)
        check_reference_patients(self.reference_patients, internal=self.internal)
        check_interaction(self.interaction_type, self.location)
        check_recurring(self.recurring)
        check_metadata(self.metadata)
