"""Fixtures for the Zoom adapter: a fake Zoom on 127.0.0.1 and an adapter aimed at it.

The adapter is also what the shared ``container`` fixture books meetings with
here, so application tests in this package run against the fake over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from infrastructure.zoom import ZoomVideoMeetings
from infrastructure.zoom_retry import RetryPolicy, TimeSource
from tests.zoom_fake import CREDENTIALS, FakeZoom, FakeZoomServer, running_fake_zoom

CLIENT_TIMEOUT = 0.5
TEST_POLICY = RetryPolicy(
    max_attempts=3, max_total_wait=2.0, rate_limit_wait=0.05, error_wait=0.05
)


class SteppingClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordedSleeps:
    """Really sleeps (the waits in tests are tiny) and remembers each wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def zoom_server() -> Iterator[FakeZoomServer]:
    with running_fake_zoom() as server:
        yield server


@pytest.fixture
def fake_zoom(zoom_server: FakeZoomServer) -> FakeZoom:
    return zoom_server.zoom


@pytest.fixture
def monotonic() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def zoom(
    zoom_server: FakeZoomServer, monotonic: SteppingClock, sleeps: RecordedSleeps
) -> Iterator[ZoomVideoMeetings]:
    adapter = ZoomVideoMeetings(
        CREDENTIALS,
        api_base_url=zoom_server.api_base_url,
        oauth_url=zoom_server.oauth_url,
        timeout=CLIENT_TIMEOUT,
        policy=TEST_POLICY,
        time_source=TimeSource(sleep=sleeps),
        monotonic=monotonic,
    )
    yield adapter
    adapter.close()


@pytest.fixture
def video(zoom: ZoomVideoMeetings) -> ZoomVideoMeetings:
    """Overrides the shared local fake: the application books with Zoom here."""
    return zoom
