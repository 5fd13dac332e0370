"""CONTRACT section 13 for availability and calendar feeds: with reads on the
replica, each shows a write as soon as the write has answered. The replica
applies each commit ``APPLY_DELAY_MS`` late, so a read that did not wait for
the replica's tracking position would still show the time before the write."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Event

from infrastructure.bootstrap import Container
from infrastructure.read_model.replica import ON_REPLICA
from tests.api.calendar_helpers import by_uid, decoded, parsed_feed
from tests.api.conftest import HOUR, START, create_body
from tests.api.test_conflicts import busy
from tests.replica.servers import ReplicatedPostgres
from tests.replica.test_read_your_writes_on_replica import CHANGES, answered_at_once

DAY = 24 * HOUR
WEEK = 7 * DAY
FOUR_WEEKS = (START, START + 4 * WEEK)
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=4", "timezone": "UTC"}


def busy_times(client: TestClient, user: str) -> list[tuple[int, int]]:
    return [
        (entry["start_time"], entry["end_time"])
        for entry in busy(client, user, *FOUR_WEEKS)
    ]


def created(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/appointments", json=create_body(**overrides))
    return answered_at_once(response)[0]


def existing(
    client: TestClient, replicated: ReplicatedPostgres, **overrides: Any
) -> dict[str, Any]:
    """An appointment the replica has replayed, whatever the writes' wait does:
    a change's test then shows that change's wait."""
    appointment = created(client, **overrides)
    replicated.replica.wait_until_replayed()
    return appointment


def feed_event(client: TestClient, user: str, appointment_id: str) -> Event:
    (event,) = by_uid(parsed_feed(client, user), appointment_id)
    return event


def epoch_ms(event: Event, name: str) -> int:
    return int(decoded(event, name).timestamp() * 1000)


def test_availability_shows_a_create_at_once(
    client: TestClient, container: Container
) -> None:
    created(client)

    assert busy_times(client, "user_patient") == [(START, START + HOUR)]
    assert container.read_database() == ON_REPLICA


@pytest.mark.parametrize(
    ("suffix", "body", "expected"),
    [
        (
            "/reschedule",
            {"start_time": START + HOUR, "end_time": START + 2 * HOUR,
             "changed_by": "u1"},
            [(START + HOUR, START + 2 * HOUR)],
        ),
        ("/status", {"status": "cancelled", "changed_by": "u1"}, []),
    ],
    ids=["reschedule", "cancel"],
)  # fmt: skip
def test_availability_shows_a_change_of_time_at_once(
    client: TestClient,
    container: Container,
    replicated: ReplicatedPostgres,
    suffix: str,
    body: dict[str, Any],
    expected: list[tuple[int, int]],
) -> None:
    appointment = existing(client, replicated)
    assert busy_times(client, "user_patient") == [(START, START + HOUR)]

    response = client.post(f"/v1/appointments/{appointment['id']}{suffix}", json=body)

    answered_at_once(response)
    assert busy_times(client, "user_patient") == expected
    assert container.read_database() == ON_REPLICA


def test_availability_shows_a_split_series_at_once(
    client: TestClient, container: Container, replicated: ReplicatedPostgres
) -> None:
    series = existing(client, replicated, recurring=WEEKLY)
    third = f"{series['id']}_{START + 2 * WEEK}"
    moved = START + 2 * WEEK + 2 * HOUR

    response = client.post(
        f"/v1/appointments/{third}/reschedule",
        json={
            "start_time": moved,
            "end_time": moved + HOUR,
            "changed_by": "u1",
            "scope": "this_and_following",
        },
    )

    answered_at_once(response)
    starts = [start for start, _ in busy_times(client, "user_patient")]
    assert starts == [START, START + WEEK, moved, moved + WEEK]
    assert container.read_database() == ON_REPLICA


def test_a_calendar_feed_shows_a_create_at_once(
    client: TestClient, container: Container
) -> None:
    appointment = created(client)

    event = feed_event(client, "user_host", appointment["id"])

    assert str(event["summary"]) == appointment["name"]
    assert event["sequence"] == 0
    assert container.read_database() == ON_REPLICA


@CHANGES
def test_a_calendar_feed_shows_a_change_at_once(
    client: TestClient,
    container: Container,
    replicated: ReplicatedPostgres,
    method: str,
    suffix: str,
    body: dict[str, Any],
) -> None:
    appointment = existing(client, replicated)

    response = client.request(
        method, f"/v1/appointments/{appointment['id']}{suffix}", json=body
    )

    written, version = answered_at_once(response)
    event = feed_event(client, "user_host", written["id"])
    assert event["sequence"] == version - 1
    assert str(event["summary"]) == written["name"]
    assert epoch_ms(event, "dtstart") == written["start_time"]
    assert container.read_database() == ON_REPLICA
