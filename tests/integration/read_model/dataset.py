"""A varied set of appointments, and the list's meaning as a Python oracle."""

from __future__ import annotations

from typing import Any

from application.queries import ListQuery
from application.service import AppointmentsApplication
from domain.values import Document
from tests.builders import HOUR_MS, START, a_draft

DAY_MS = 24 * HOUR_MS


def seed_variety(app: AppointmentsApplication, count: int = 16) -> None:
    """Appointments covering every filter value, in pairs sharing a start time."""
    for i in range(count):
        written = app.schedule(a_draft(**variety(i)))
        appointment_id = written.document["id"]
        if i % 4 == 2:
            attendee = written.document["attendees"][0]["id"]
            app.change_attendee(
                appointment_id,
                attendee,
                changed_by="user_desk",
                changes={"payment_status": "paid"},
            )
        if i == 7:
            moved = written.document["start_time"] + 3 * DAY_MS
            app.reschedule(
                appointment_id,
                start_time=moved,
                end_time=moved + HOUR_MS,
                changed_by="user_desk",
            )
        change_status(app, appointment_id, i)


def variety(i: int) -> dict[str, Any]:
    internal, group = i % 2 == 0, i % 3 == 0
    start = START + (i // 2) * HOUR_MS
    fields: dict[str, Any] = {
        "internal": internal,
        "group": group,
        "host": ("host_a", "host_b", "host_c")[i % 3],
        "attendees": (
            [f"att_{i % 4}", f"att_{(i + 1) % 4}", "att_shared"]
            if group
            else [f"att_{i % 4}"]
        ),
        "start_time": start,
        "end_time": start + HOUR_MS,
        "reference_patients": (
            [f"pat_{i % 3}", *(["pat_shared"] if i % 4 == 0 else [])]
            if internal
            else None
        ),
        "appointment_type": None if internal else ("consult", "follow_up")[i // 2 % 2],
        "metadata": {"clinic": ("north", "south", "east")[i % 3], "n": str(i)}
        if i % 5
        else {},
    }
    if i % 4 == 1:
        fields |= {
            "interaction_type": "in_person",
            "location": {"address": "1 Main St"},
        }
    return fields


def change_status(app: AppointmentsApplication, appointment_id: str, i: int) -> None:
    path = {1: ["confirmed"], 2: ["cancelled"], 3: ["checked_in", "in_progress"]}
    for status in path.get(i % 5, []):
        app.change_status(
            appointment_id, status=status, changed_by="user_desk", reason=f"r{i}"
        )


def matches(document: Document, query: ListQuery) -> bool:
    attendees = {a["id"] for a in document["attendees"]}
    equal_fields = (
        "host",
        "status",
        "interaction_type",
        "internal",
        "group",
        "appointment_type",
    )
    start = document["start_time"]
    return (
        all(
            getattr(query, f) is None or document[f] == getattr(query, f)
            for f in equal_fields
        )
        and (query.attendee is None or query.attendee in attendees)
        and (
            query.patient is None
            or query.patient in (document["reference_patients"] or [])
        )
        and (query.start_time_gte is None or start >= query.start_time_gte)
        and (query.start_time_lt is None or start < query.start_time_lt)
        and query.metadata.items() <= document["metadata"].items()
    )


def expected_ids(documents: list[Document], query: ListQuery) -> list[str]:
    selected = [d for d in documents if matches(d, query)]
    return [d["id"] for d in sorted(selected, key=lambda d: (d["start_time"], d["id"]))]


def filters_of(document: Document) -> dict[str, Any]:
    """A value for every filter that this document satisfies."""
    filters = {
        "host": document["host"],
        "attendee": document["attendees"][0]["id"] if document["attendees"] else None,
        "patient": (document["reference_patients"] or [None])[0],
        "status": document["status"],
        "interaction_type": document["interaction_type"],
        "internal": document["internal"],
        "group": document["group"],
        "appointment_type": document["appointment_type"],
        "start_time_gte": document["start_time"],
        "start_time_lt": document["start_time"] + 1,
        "metadata": (
            {"clinic": document["metadata"]["clinic"]} if document["metadata"] else None
        ),
    }
    return {name: value for name, value in filters.items() if value is not None}
