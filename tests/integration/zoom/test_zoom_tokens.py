"""Access tokens: cached until shortly before expiry, renewed on expiry and on 401."""

from __future__ import annotations

import pytest

from application.ports import VideoProviderUnavailable
from infrastructure.zoom import ZoomVideoMeetings
from infrastructure.zoom_auth import ZoomCredentials
from infrastructure.zoom_retry import TimeSource
from tests.integration.zoom.conftest import TEST_POLICY, SteppingClock
from tests.integration.zoom.test_zoom_meetings import A_REQUEST
from tests.zoom_fake import FakeZoom, FakeZoomServer


def test_reuses_the_token_across_calls(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    for _ in range(3):
        zoom.create_meeting(A_REQUEST)

    assert len(fake_zoom.token_requests) == 1
    tokens = {r.headers["authorization"] for r in fake_zoom.requests_to("POST", "/v2")}
    assert len(tokens) == 1


def test_renews_the_token_shortly_before_it_expires(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom, monotonic: SteppingClock
) -> None:
    zoom.create_meeting(A_REQUEST)
    monotonic.advance(3600 - 61)
    zoom.create_meeting(A_REQUEST)
    assert len(fake_zoom.token_requests) == 1

    monotonic.advance(2)
    zoom.create_meeting(A_REQUEST)

    assert len(fake_zoom.token_requests) == 2


def test_a_short_lived_token_keeps_a_proportionate_margin(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom, monotonic: SteppingClock
) -> None:
    fake_zoom.token_ttl = 100
    zoom.create_meeting(A_REQUEST)
    monotonic.advance(89)
    zoom.create_meeting(A_REQUEST)
    assert len(fake_zoom.token_requests) == 1

    monotonic.advance(1)
    zoom.create_meeting(A_REQUEST)

    assert len(fake_zoom.token_requests) == 2


def test_renews_the_token_once_when_zoom_refuses_it(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    zoom.create_meeting(A_REQUEST)
    fake_zoom.expire_tokens()

    meeting = zoom.create_meeting(A_REQUEST)

    assert meeting.meeting_id in fake_zoom.meetings
    assert len(fake_zoom.token_requests) == 2
    first, second = fake_zoom.requests_to("POST", "/v2/users/me/meetings")[1:]
    assert first.headers["authorization"] != second.headers["authorization"]


def test_a_401_after_a_fresh_token_is_an_error_not_a_loop(
    zoom: ZoomVideoMeetings, fake_zoom: FakeZoom
) -> None:
    fake_zoom.fail_next(2, 401)

    with pytest.raises(VideoProviderUnavailable, match="HTTP 401"):
        zoom.create_meeting(A_REQUEST)

    assert len(fake_zoom.token_requests) == 2
    assert not fake_zoom.meetings


def test_wrong_client_secret_is_a_clear_error(
    zoom_server: FakeZoomServer, fake_zoom: FakeZoom
) -> None:
    adapter = ZoomVideoMeetings(
        ZoomCredentials("fake_account", "fake_client", "wrong"),
        api_base_url=zoom_server.api_base_url,
        oauth_url=zoom_server.oauth_url,
        timeout=0.5,
        policy=TEST_POLICY,
        time_source=TimeSource(sleep=lambda _: None),
    )

    with pytest.raises(VideoProviderUnavailable, match=r"OAuth refused.*HTTP 401"):
        adapter.create_meeting(A_REQUEST)

    adapter.close()
    assert not fake_zoom.requests_to("POST", "/v2")
