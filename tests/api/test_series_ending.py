"""CONTRACT section 11 over HTTP: ``scope`` on a status change, and a series
cancelled onward, listed across the split with the right statuses and the
same occurrence ids as before."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, assert_error, create
from tests.fakes import ManualClock

DAY = 24 * HOUR
WEEK = 7 * DAY
MONDAY = 1_767_603_600_000  # 2026-01-05T09:00:00Z
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=6", "timezone": "UTC"}
WINDOW = {"start_time_gte": MONDAY, "start_time_lt": MONDAY + 60 * DAY}


def a_series(client: TestClient) -> dict[str, Any]:
    return create(client, start_time=MONDAY, end_time=MONDAY + HOUR, recurring=WEEKLY)


def occurrence(series: dict[str, Any], week: int) -> str:
    return f"{series['id']}_{MONDAY + week * WEEK}"


def status_change(client: TestClient, appointment_id: str, **body: Any) -> Any:
    return client.post(
        f"/v1/appointments/{appointment_id}/status",
        json={"changed_by": "user_clinic", **body},
    )


def listed(client: TestClient) -> list[tuple[str, str]]:
    response = client.get("/v1/appointments", params=WINDOW)
    assert response.status_code == 200, response.text
    return [(a["id"], a["status"]) for a in response.json()["data"]]


SCOPE_REFUSED: list[Any] = [
    pytest.param("single", "cancelled", "this_and_following", id="single"),
    pytest.param("series", "cancelled", "this_and_following", id="the-series"),
    pytest.param("occurrence", "confirmed", "this_and_following", id="confirmed"),
    pytest.param("occurrence", "checked_in", "this_and_following", id="checked-in"),
    pytest.param("occurrence", "cancelled", "everything", id="unknown-scope"),
    pytest.param("occurrence", "cancelled", None, id="null-scope"),
]


@pytest.mark.parametrize(("target", "status", "scope"), SCOPE_REFUSED)
def test_scope_where_it_does_not_apply_is_refused(
    client: TestClient, target: str, status: str, scope: str | None
) -> None:
    series = a_series(client)
    appointment_id = {
        "single": create(client)["id"],
        "series": series["id"],
        "occurrence": occurrence(series, 2),
    }[target]

    response = status_change(client, appointment_id, status=status, scope=scope)

    assert_error(response, 400, "parameter_invalid", "scope")
    assert listed(client)[2] == (occurrence(series, 2), "scheduled")


def test_a_series_cancelled_onward_lists_across_the_split_with_the_same_ids(
    client: TestClient,
) -> None:
    series = a_series(client)
    before = listed(client)

    response = status_change(
        client,
        occurrence(series, 3),
        status="cancelled",
        reason="Patient moved away",
        scope="this_and_following",
    )

    assert response.status_code == 200, response.text
    remainder = response.json()
    assert response.headers["ETag"] == '"2"'
    assert remainder["status"] == "cancelled"
    assert remainder["recurring"]["split_from"] == series["id"]
    after = listed(client)
    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == ["scheduled"] * 3 + ["cancelled"] * 3
    for week in range(6):
        got = client.get(f"/v1/appointments/{occurrence(series, week)}").json()
        assert got["id"] == occurrence(series, week)
        assert got["status"] == ("cancelled" if week >= 3 else "scheduled")
    unbounded = client.get("/v1/appointments").json()["data"]
    assert [a["id"] for a in unbounded] == [series["id"], remainder["id"]]


def test_time_travel_across_the_split(client: TestClient) -> None:
    series = a_series(client)
    remainder = status_change(
        client, occurrence(series, 2), status="no_show", scope="this_and_following"
    ).json()

    def version(appointment_id: str, number: int) -> dict[str, Any]:
        response = client.get(
            f"/v1/appointments/{appointment_id}", params={"version": number}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    assert version(series["id"], 1)["recurring"] == WEEKLY
    assert version(series["id"], 2)["recurring"]["continued_by"] == remainder["id"]
    assert version(remainder["id"], 1)["status"] == "scheduled"
    assert version(remainder["id"], 2)["status"] == "no_show"
    log = client.get(f"/v1/appointments/{remainder['id']}/change_log").json()
    assert [(e["event"], e["reason"]) for e in log["entries"]] == [
        ("created", None),
        ("status_changed", None),
    ]


def test_cancelling_a_series_keeps_what_already_happened(
    client: TestClient, clock: ManualClock
) -> None:
    series = a_series(client)
    clock.advance(MONDAY + 2 * WEEK - HOUR - clock.now_ms())

    response = status_change(
        client, series["id"], status="cancelled", reason="clinic_closed"
    )

    assert response.status_code == 200, response.text
    assert [s for _, s in listed(client)] == ["scheduled"] * 2 + ["cancelled"] * 4
    feed = client.get("/v1/events", params={"after": 0, "limit": 100}).json()
    cancelled = [i for i in feed["data"] if i["type"] == "appointment.status_changed"]
    assert [(i["changed_by"], i["reason"]) for i in cancelled] == [
        ("user_clinic", "clinic_closed")
    ]


def test_a_finished_series_has_nothing_left_to_cancel(
    client: TestClient, clock: ManualClock
) -> None:
    series = a_series(client)
    clock.advance(MONDAY + 6 * WEEK - clock.now_ms())

    response = status_change(client, series["id"], status="cancelled")

    assert_error(response, 409, "invalid_status_transition", "status")
