"""What an update asks of an appointment, checked in full before anything is
recorded (CONTRACT sections 6 and 11): plain fields, the host, interaction type
and location, metadata merged into what is there, and the new attendee list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.change_rules import check_field_changes
from domain.metadata import merged_metadata
from domain.validation import check_attendees
from domain.values import Document
from domain.visit import (
    VISIT_FIELDS,
    check_host_not_attending,
    needs_meeting,
    visit_changes,
)


@dataclass(frozen=True)
class UpdatePlan:
    """``fields``: the proposed value of every field the update names (some
    may equal the current one); ``attendees``: the new list, if one was sent;
    ``needs_meeting``: the update makes a video call, which needs a new link."""

    fields: dict[str, Any]
    attendees: list[str] | None
    needs_meeting: bool


def plan_update(document: Document, changes: dict[str, Any]) -> UpdatePlan:
    """Raise the first rule the update breaks; else what it would change."""
    plain = dict(changes)  # the caller's dict is theirs: do not pop from it
    attendees = plain.pop("attendees", None)
    metadata_sent = "metadata" in plain
    metadata = plain.pop("metadata", None)
    visit = {field: plain.pop(field) for field in VISIT_FIELDS if field in plain}
    check_field_changes(document, plain)
    proposed = dict(plain)
    if visit:
        proposed.update(visit_changes(document, visit))
    host: str = {**document, **proposed}["host"]
    if attendees is not None:
        check_attendees(attendees, host=host, group=document["group"])
    elif "host" in visit:
        check_host_not_attending(host, [a["id"] for a in document["attendees"]])
    if metadata_sent:
        proposed["metadata"] = merged_metadata(document["metadata"], metadata)
    return UpdatePlan(proposed, attendees, needs_meeting(document, proposed))
