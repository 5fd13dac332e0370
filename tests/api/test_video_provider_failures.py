"""A failing video provider: nothing is recorded, and a retry books one meeting."""

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, create_body
from tests.fakes import FlakyVideoMeetings


@pytest.fixture
def video() -> FlakyVideoMeetings:
    return FlakyVideoMeetings()


def test_a_provider_failure_records_nothing_and_is_a_502(
    client: TestClient, video: FlakyVideoMeetings
) -> None:
    video.failures = 1

    response = client.post("/v1/appointments", json=create_body())

    assert_error(response, 502, "video_provider_error")
    assert client.get("/v1/appointments").json()["data"] == []
    assert client.get("/v1/events").json()["data"] == []


def test_a_rate_limited_provider_is_a_503_with_retry_after(
    client: TestClient, video: FlakyVideoMeetings
) -> None:
    video.failures = 1
    video.retry_after = 2.5

    response = client.post("/v1/appointments", json=create_body())

    assert_error(response, 503, "video_provider_unavailable")
    assert response.headers["Retry-After"] == "3"


def test_a_retry_with_the_same_key_books_one_meeting(
    client: TestClient, video: FlakyVideoMeetings
) -> None:
    video.failures = 1
    headers = {"Idempotency-Key": "retry-after-provider-failure"}

    failed = client.post("/v1/appointments", json=create_body(), headers=headers)
    retried = client.post("/v1/appointments", json=create_body(), headers=headers)
    replayed = client.post("/v1/appointments", json=create_body(), headers=headers)

    assert failed.status_code == 502
    assert retried.status_code == 201
    assert replayed.json() == retried.json()
    assert len(video.created) == 1
    assert len(client.get("/v1/appointments").json()["data"]) == 1
