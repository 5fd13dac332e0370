"""The application booking with Zoom (the fake, over HTTP) and recording in
PostgreSQL: what is recorded, and that no meeting is left orphaned."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from application.errors import AppointmentNotFound
from application.ports import VideoProviderUnavailable
from domain.ids import new_appointment_id
from infrastructure.bootstrap import Container
from tests.builders import a_draft
from tests.zoom_fake import FakeZoom

CREATE_PATH = "/v2/users/me/meetings"


def test_the_appointment_carries_zoom_s_meeting(
    container: Container, fake_zoom: FakeZoom
) -> None:
    written = container.app.schedule(a_draft(name="Follow-up"))

    [meeting] = fake_zoom.meetings.values()
    assert written.document["video_call"] == {
        "join_url": meeting["join_url"],
        "meeting_id": str(meeting["id"]),
    }
    assert meeting["topic"] == "Follow-up"
    assert meeting["start_time"] == "2026-01-01T10:00:00Z"
    assert meeting["duration"] == 60
    stored = container.app.get(written.document["id"]).document
    assert stored["video_call"] == written.document["video_call"]


def test_an_in_person_appointment_books_nothing(
    container: Container, fake_zoom: FakeZoom
) -> None:
    container.app.schedule(
        a_draft(interaction_type="in_person", location={"address": "1 Main St"})
    )

    assert not fake_zoom.requests


def test_a_zoom_failure_records_nothing_and_a_retry_books_once(
    container: Container, fake_zoom: FakeZoom
) -> None:
    appointment_id = new_appointment_id()
    fake_zoom.fail_next(1, 503)

    with pytest.raises(VideoProviderUnavailable):
        container.app.schedule(a_draft(), appointment_id=appointment_id)
    with pytest.raises(AppointmentNotFound):
        container.app.get(appointment_id)

    written = container.app.schedule(a_draft(), appointment_id=appointment_id)

    assert list(fake_zoom.meetings) == [written.document["video_call"]["meeting_id"]]


def test_a_zoom_timeout_records_nothing(
    container: Container, fake_zoom: FakeZoom
) -> None:
    appointment_id = new_appointment_id()
    fake_zoom.hang_next(1, seconds=2.0)

    with pytest.raises(VideoProviderUnavailable, match="timed out"):
        container.app.schedule(a_draft(), appointment_id=appointment_id)

    with pytest.raises(AppointmentNotFound):
        container.app.get(appointment_id)


def test_a_recording_failure_after_zoom_deletes_the_new_meeting(
    container: Container, fake_zoom: FakeZoom
) -> None:
    """Scheduling under an id already taken makes the event store refuse the
    write after Zoom created the second meeting."""
    first = container.app.schedule(a_draft())
    kept = first.document["video_call"]["meeting_id"]

    with pytest.raises(IntegrityError):
        container.app.schedule(
            a_draft(host="user_other"), appointment_id=first.document["id"]
        )

    kept_id, orphan_id = fake_zoom.created_ids
    [deleted] = fake_zoom.requests_to("DELETE", "/v2/meetings/")
    assert kept_id == kept
    assert deleted.path == f"/v2/meetings/{orphan_id}"
    assert list(fake_zoom.meetings) == [kept]
    assert container.app.get(first.document["id"]).document == first.document


def test_cancelling_deletes_the_zoom_meeting(
    container: Container, fake_zoom: FakeZoom
) -> None:
    written = container.app.schedule(a_draft())
    meeting_id = written.document["video_call"]["meeting_id"]

    container.app.change_status(
        written.document["id"], status="cancelled", changed_by="user_x"
    )

    assert fake_zoom.meetings == {}
    assert [r.path for r in fake_zoom.requests_to("DELETE", "/v2/meetings/")] == [
        f"/v2/meetings/{meeting_id}"
    ]


def test_moving_and_renaming_update_the_zoom_meeting(
    container: Container, fake_zoom: FakeZoom
) -> None:
    written = container.app.schedule(a_draft())
    appointment_id = written.document["id"]
    start = written.document["start_time"] + 24 * 3_600_000

    container.app.reschedule(
        appointment_id, start_time=start, end_time=start + 1_800_000, changed_by="u"
    )
    container.app.update(appointment_id, changed_by="u", changes={"name": "Renamed"})

    [meeting] = fake_zoom.meetings.values()
    assert meeting["start_time"] == "2026-01-02T10:00:00Z"
    assert meeting["duration"] == 30
    assert meeting["topic"] == "Renamed"
