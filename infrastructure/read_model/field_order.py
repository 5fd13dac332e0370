"""The appointment object's field order, which ``jsonb`` does not keep.

``jsonb`` stores object keys sorted by length; documents read back are put in
the order of CONTRACT section 4, so API responses read naturally. Unknown keys
keep their place after the known ones. The caller's ``metadata`` keys keep
``jsonb``'s own order (shorter first, then byte-wise), so a document reads the
same whether it was parsed from ``jsonb`` or folded from the events.
"""

from __future__ import annotations

from typing import Any

from domain.values import Document

APPOINTMENT_ORDER = (
    "id",
    "object",
    "generated_from_type",
    "generated_from",
    "appointment_type",
    "name",
    "description",
    "group",
    "internal",
    "recurring",
    "start_time",
    "end_time",
    "actual_start_time",
    "actual_end_time",
    "host",
    "attendees",
    "reference_patients",
    "interaction_type",
    "video_call",
    "location",
    "status",
    "status_history",
    "visit_note",
    "change_log",
    "created_by",
    "created_at",
    "last_updated_at",
    "metadata",
)
ATTENDEE_ORDER = (
    "id",
    "attendance_status",
    "no_show",
    "payment_status",
    "last_updated_at",
)
STATUS_ENTRY_ORDER = ("status", "changed_by", "changed_at", "reason")
RECURRING_ORDER = (
    "is_recurring",
    "rule",
    "timezone",
    "series",
    "original_start_time",
    "split_from",
    "continued_by",
    "occurrence_ids_from",
)
VIDEO_CALL_ORDER = ("join_url", "meeting_id")
LOCATION_ORDER = ("name", "address", "room")


def in_order(values: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {key: values[key] for key in order if key in values}
    return {**known, **{k: v for k, v in values.items() if k not in known}}


def jsonb_key(key: str) -> tuple[int, bytes]:
    encoded = key.encode()
    return (len(encoded), encoded)


def ordered_document(document: Document) -> Document:
    result = in_order(document, APPOINTMENT_ORDER)
    if isinstance(result.get("metadata"), dict):
        metadata = result["metadata"]
        result["metadata"] = {k: metadata[k] for k in sorted(metadata, key=jsonb_key)}
    result["attendees"] = [in_order(a, ATTENDEE_ORDER) for a in result["attendees"]]
    result["status_history"] = [
        in_order(entry, STATUS_ENTRY_ORDER) for entry in result["status_history"]
    ]
    for key, order in (
        ("recurring", RECURRING_ORDER),
        ("video_call", VIDEO_CALL_ORDER),
        ("location", LOCATION_ORDER),
    ):
        if isinstance(result.get(key), dict):
            result[key] = in_order(result[key], order)
    return result
