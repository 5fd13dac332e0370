"""Scheduling an appointment records it in the event store (CONTRACT section 4)."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from domain.errors import InvalidAppointment, MissingParameter
from domain.ids import change_log_id, is_appointment_id
from tests.builders import a_draft
from tests.fakes import START_MS, ManualClock, RecordingVideoMeetings

FIELDS = {
    "id", "object", "generated_from_type", "generated_from", "appointment_type",
    "name", "description", "group", "internal", "recurring", "start_time",
    "end_time", "actual_start_time", "actual_end_time", "host", "attendees",
    "reference_patients", "interaction_type", "video_call", "location", "status",
    "status_history", "visit_note", "change_log", "created_by", "created_at",
    "last_updated_at", "metadata",
}  # fmt: skip


def test_a_new_appointment_has_every_field_of_the_model(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    written = app.schedule(a_draft())
    document = app.get(written.document["id"]).document

    assert set(document) == FIELDS
    assert is_appointment_id(document["id"])
    assert document["object"] == "appointment"
    assert document["change_log"] == change_log_id(document["id"])
    assert document["status"] == "scheduled"
    assert document["status_history"] == [
        {
            "status": "scheduled",
            "changed_by": "user_creator",
            "changed_at": document["created_at"],
            "reason": None,
        }
    ]
    assert document["created_at"] == document["last_updated_at"]
    assert START_MS < document["created_at"] < clock.now_ms()
    assert document["recurring"] == {"is_recurring": False}
    assert document["interaction_type"] == "video_call"
    assert document["reference_patients"] is None
    assert document["metadata"] == {}
    assert document["location"] is None


def test_an_internal_appointment_without_patients_lists_none(
    app: AppointmentsApplication,
) -> None:
    written = app.schedule(a_draft(internal=True))

    assert app.get(written.document["id"]).document["reference_patients"] == []


def test_a_new_appointment_is_at_version_one_with_a_feed_position(
    app: AppointmentsApplication,
) -> None:
    written = app.schedule(a_draft())

    assert written.version == app.get(written.document["id"]).version == 1
    assert written.position is not None


def test_an_in_person_appointment_has_a_location_and_no_video_call(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    location = {"address": "1 Main Street", "room": "2B"}

    written = app.schedule(a_draft(interaction_type="in_person", location=location))

    document = app.get(written.document["id"]).document
    assert document["video_call"] is None
    assert document["location"] == location
    assert video.created == []


def test_a_refused_draft_books_no_meeting_and_records_nothing(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    with pytest.raises(InvalidAppointment):
        app.schedule(a_draft(name=""))
    with pytest.raises(MissingParameter):
        app.schedule(a_draft(interaction_type="in_person"))

    assert video.created == []
    assert app.recorder.max_notification_id() in (None, 0)
