"""The Zoom adapter against the fake Zoom, over real HTTP: the happy paths."""

from __future__ import annotations

import base64

import pytest

from application.ports import MeetingRequest, VideoProviderUnavailable
from infrastructure.zoom import ZoomVideoMeetings
from tests.zoom_fake import FakeZoom

START_MS = 1_767_261_600_000  # 2026-01-01T10:00:00Z
A_REQUEST = MeetingRequest(
    appointment_id="appt_00000000000000000001",
    topic="Annual Check-in",
    start_time=START_MS,
    end_time=START_MS + 45 * 60_000,
)


def test_creates_a_scheduled_meeting_with_topic_start_and_duration(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    meeting = zoom.create_meeting(A_REQUEST)

    [sent] = fake_zoom.requests_to("POST", "/v2/users/me/meetings")
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == {
        "type": 2,
        "topic": "Annual Check-in",
        "start_time": "2026-01-01T10:00:00Z",
        "duration": 45,
        "timezone": "UTC",
        "agenda": "Appointment appt_00000000000000000001",
    }
    stored = fake_zoom.meetings[meeting.meeting_id]
    assert meeting.meeting_id == str(stored["id"])
    assert meeting.join_url == stored["join_url"]


def test_rounds_a_partial_minute_up(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    zoom.create_meeting(MeetingRequest("appt_x", "Short", START_MS, START_MS + 90_001))

    [sent] = fake_zoom.requests_to("POST", "/v2/users/me/meetings")
    assert sent.body["duration"] == 2


def test_updates_time_and_topic(zoom: ZoomVideoMeetings, fake_zoom: FakeZoom) -> None:
    meeting = zoom.create_meeting(A_REQUEST)
    moved = MeetingRequest(
        A_REQUEST.appointment_id, "Renamed", START_MS + 3_600_000, START_MS + 7_200_000
    )

    zoom.update_meeting(meeting.meeting_id, moved)

    [sent] = fake_zoom.requests_to("PATCH", f"/v2/meetings/{meeting.meeting_id}")
    assert sent.body["start_time"] == "2026-01-01T11:00:00Z"
    assert sent.body["duration"] == 60
    assert fake_zoom.meetings[meeting.meeting_id]["topic"] == "Renamed"


def test_updating_a_meeting_that_is_gone_is_an_error(zoom: ZoomVideoMeetings) -> None:
    with pytest.raises(VideoProviderUnavailable, match="HTTP 404"):
        zoom.update_meeting("81999999999", A_REQUEST)


def test_deletes_the_meeting(zoom: ZoomVideoMeetings, fake_zoom: FakeZoom) -> None:
    meeting = zoom.create_meeting(A_REQUEST)

    zoom.delete_meeting(meeting.meeting_id)

    assert meeting.meeting_id not in fake_zoom.meetings
    assert fake_zoom.requests_to("DELETE", f"/v2/meetings/{meeting.meeting_id}")


def test_deleting_a_meeting_that_is_already_gone_succeeds(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    meeting = zoom.create_meeting(A_REQUEST)
    zoom.delete_meeting(meeting.meeting_id)

    zoom.delete_meeting(meeting.meeting_id)

    assert len(fake_zoom.requests_to("DELETE", "/v2/meetings/")) == 2


def test_asks_for_a_token_with_account_credentials_and_basic_auth(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    zoom.create_meeting(A_REQUEST)

    [asked] = fake_zoom.token_requests
    basic = base64.b64encode(b"fake_client:fake_secret").decode()
    assert asked.headers["authorization"] == f"Basic {basic}"
    assert asked.query == {
        "grant_type": "account_credentials",
        "account_id": "fake_account",
    }
    [created] = fake_zoom.requests_to("POST", "/v2/users/me/meetings")
    assert created.headers["authorization"].startswith("Bearer ")
