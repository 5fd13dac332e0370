"""Zoom failing: rate limits retried within bounds; 5xx, timeouts and refused
connections become ``VideoProviderUnavailable``."""

from __future__ import annotations

import time

import pytest

from application.ports import VideoProviderUnavailable
from infrastructure.zoom import ZoomVideoMeetings
from infrastructure.zoom_retry import TimeSource
from tests.integration.zoom.conftest import TEST_POLICY, RecordedSleeps
from tests.integration.zoom.test_zoom_meetings import A_REQUEST
from tests.zoom_fake import CREDENTIALS, FakeZoom

CREATE_PATH = "/v2/users/me/meetings"


def test_retries_a_429_after_its_retry_after(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom, sleeps: RecordedSleeps
) -> None:
    fake_zoom.fail_next(2, 429, retry_after="0")

    meeting = zoom.create_meeting(A_REQUEST)

    assert meeting.meeting_id in fake_zoom.meetings
    assert len(fake_zoom.requests_to("POST", CREATE_PATH)) == 3
    assert sleeps.waits == [0.0, 0.0]


def test_really_waits_the_seconds_zoom_asks_for(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    fake_zoom.fail_next(1, 429, retry_after="1")
    started = time.monotonic()

    zoom.create_meeting(A_REQUEST)

    assert 1.0 <= time.monotonic() - started < 1.9
    assert len(fake_zoom.meetings) == 1


def test_a_429_without_retry_after_waits_the_default(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom, sleeps: RecordedSleeps
) -> None:
    fake_zoom.fail_next(1, 429)

    zoom.create_meeting(A_REQUEST)

    assert sleeps.waits == [TEST_POLICY.rate_limit_wait]


def test_gives_up_after_the_last_attempt(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    fake_zoom.fail_next(10, 429, retry_after="0")

    with pytest.raises(VideoProviderUnavailable, match="rate-limited") as raised:
        zoom.create_meeting(A_REQUEST)

    assert raised.value.retry_after == 0.0
    assert len(fake_zoom.requests_to("POST", CREATE_PATH)) == TEST_POLICY.max_attempts
    assert not fake_zoom.meetings


def test_does_not_wait_longer_than_the_budget(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom, sleeps: RecordedSleeps
) -> None:
    fake_zoom.fail_next(1, 429, retry_after="3600")

    with pytest.raises(VideoProviderUnavailable) as raised:
        zoom.create_meeting(A_REQUEST)

    assert raised.value.retry_after == 3600.0
    assert sleeps.waits == []
    assert len(fake_zoom.requests_to("POST", CREATE_PATH)) == 1


def test_understands_a_retry_after_timestamp(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    fake_zoom.fail_next(1, 429, retry_after="2099-05-31T00:00:00Z")

    with pytest.raises(VideoProviderUnavailable) as raised:
        zoom.create_meeting(A_REQUEST)

    assert raised.value.retry_after is not None
    assert raised.value.retry_after > 365 * 24 * 3600


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_on_create_is_not_retried(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom, status: int
) -> None:
    fake_zoom.fail_next(1, status)

    with pytest.raises(VideoProviderUnavailable, match=f"HTTP {status}"):
        zoom.create_meeting(A_REQUEST)

    assert len(fake_zoom.requests_to("POST", CREATE_PATH)) == 1
    assert not fake_zoom.meetings


def test_a_server_error_on_delete_is_retried(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    meeting = zoom.create_meeting(A_REQUEST)
    fake_zoom.fail_next(1, 503)

    zoom.delete_meeting(meeting.meeting_id)

    assert not fake_zoom.meetings
    assert len(fake_zoom.requests_to("DELETE", "/v2/meetings/")) == 2


def test_a_hanging_zoom_times_out(zoom: ZoomVideoMeetings, fake_zoom: FakeZoom) -> None:
    fake_zoom.hang_next(1, seconds=2.0)
    started = time.monotonic()

    with pytest.raises(VideoProviderUnavailable, match="timed out"):
        zoom.create_meeting(A_REQUEST)

    assert time.monotonic() - started < 1.5
    assert len(fake_zoom.requests_to("POST", CREATE_PATH)) == 1


def test_a_refused_connection_is_unavailable() -> None:
    adapter = ZoomVideoMeetings(
        CREDENTIALS,
        api_base_url="http://127.0.0.1:9/v2",
        oauth_url="http://127.0.0.1:9/oauth/token",
        timeout=0.5,
        policy=TEST_POLICY,
        time_source=TimeSource(sleep=lambda _: None),
    )

    with pytest.raises(VideoProviderUnavailable, match="OAuth token request failed"):
        adapter.create_meeting(A_REQUEST)

    adapter.close()


def test_a_failing_token_endpoint_is_unavailable(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    fake_zoom.fail_next_token_requests(5, 503)

    with pytest.raises(VideoProviderUnavailable, match="OAuth token request"):
        zoom.create_meeting(A_REQUEST)

    assert len(fake_zoom.token_requests) == TEST_POLICY.max_attempts
    assert not fake_zoom.requests_to("POST", CREATE_PATH)
