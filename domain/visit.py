"""Who sees the patient, and how: changing the host, the interaction type and
the location of an appointment (CONTRACT section 11).

The same rules as on creation: ``in_person`` needs ``location.address``, a
``location`` only goes with ``in_person``. Switching to ``video_call`` needs a
new meeting, which the caller books once every rule has passed; switching away
leaves none (``video_call: null``).
"""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidAppointment
from domain.validation import check_caller_id, check_interaction
from domain.values import Document, InteractionType

VISIT_FIELDS = ("host", "interaction_type", "location")


def visit_changes(document: Document, changes: dict[str, Any]) -> dict[str, Any]:
    """The host, interaction type and location ``changes`` ask for, checked;
    with ``video_call: None`` when the appointment will not be a video call.

    A change to ``video_call`` that sends no location drops the old one; a
    change to ``in_person`` keeps a location only if one is sent.
    """
    wanted = {**document, **changes}
    host: str = wanted["host"]
    check_caller_id("host", host)
    kind: str = wanted["interaction_type"]
    if "location" in changes:
        location = without_nulls(changes["location"])
    elif kind == document["interaction_type"]:
        location = document["location"]
    else:
        location = None
    check_interaction(kind, location)
    proposed: dict[str, Any] = {
        "host": host,
        "interaction_type": kind,
        "location": location,
    }
    if kind != InteractionType.VIDEO_CALL:
        proposed["video_call"] = None
    return proposed


def without_nulls(location: Any) -> Any:
    """A location as creation stores it: optional parts not sent, not null."""
    if not isinstance(location, dict):
        if location is not None:
            raise InvalidAppointment("'location' must be an object.", "location")
        return None
    return {key: value for key, value in location.items() if value is not None}


def needs_meeting(document: Document, proposed: dict[str, Any]) -> bool:
    """Whether the change makes a video call of an appointment that was not."""
    return (
        proposed.get("interaction_type") == InteractionType.VIDEO_CALL
        and document["interaction_type"] != InteractionType.VIDEO_CALL
    )


def check_host_not_attending(host: str, attendees: list[str]) -> None:
    if host in attendees:
        raise InvalidAppointment("The host cannot also be an attendee.", "host")
