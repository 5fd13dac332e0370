"""No double bookings over HTTP (CONTRACT section 9)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, START, assert_error, create, create_body

DAY = 24 * HOUR
WEEK = 7 * DAY
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=8", "timezone": "UTC"}


def assert_conflict(response: Any) -> list[dict[str, str]]:
    """A 409 ``schedule_conflict`` whose error also names the conflicts."""
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert set(error) == {"type", "code", "message", "param", "conflicts"}
    assert (error["type"], error["code"], error["param"]) == (
        "conflict",
        "schedule_conflict",
        None,
    )
    conflicts: list[dict[str, str]] = error["conflicts"]
    assert conflicts
    return conflicts


def refused(client: TestClient, **overrides: Any) -> list[dict[str, str]]:
    response = client.post("/v1/appointments", json=create_body(**overrides))
    return assert_conflict(response)


def busy(client: TestClient, user: str, gte: int, lt: int) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/availability",
        params={"user": user, "start_time_gte": gte, "start_time_lt": lt},
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["busy"]
    return entries


def test_an_overlapping_booking_of_the_host_is_refused_naming_the_winner(
    client: TestClient,
) -> None:
    first = create(client)

    conflicts = refused(
        client, start_time=START + HOUR // 2, end_time=START + 2 * HOUR, attendees=[]
    )

    assert conflicts == [{"appointment": first["id"], "user": "user_host"}]


def test_back_to_back_appointments_both_book(client: TestClient) -> None:
    create(client)

    create(client, start_time=START + HOUR, end_time=START + 2 * HOUR)
    create(client, start_time=START - HOUR, end_time=START)


def test_an_attendee_booked_elsewhere_is_a_conflict(client: TestClient) -> None:
    first = create(client)

    conflicts = refused(client, host="other_host")

    assert conflicts == [{"appointment": first["id"], "user": "user_patient"}]


def test_other_people_at_the_same_time_do_not_conflict(client: TestClient) -> None:
    create(client)

    create(client, host="other_host", attendees=["other_patient"])


def test_a_reschedule_into_a_conflict_changes_nothing(client: TestClient) -> None:
    create(client)
    later = create(client, start_time=START + 2 * HOUR, end_time=START + 3 * HOUR)

    response = client.post(
        f"/v1/appointments/{later['id']}/reschedule",
        json={"start_time": START, "end_time": START + HOUR, "changed_by": "u"},
    )

    assert_conflict(response)
    after = client.get(f"/v1/appointments/{later['id']}")
    assert after.headers["ETag"] == '"1"'
    assert after.json()["start_time"] == START + 2 * HOUR


def test_a_reschedule_onto_its_own_time_is_not_a_conflict(client: TestClient) -> None:
    booked = create(client)

    response = client.post(
        f"/v1/appointments/{booked['id']}/reschedule",
        json={
            "start_time": START + HOUR // 2,
            "end_time": START + HOUR,
            "changed_by": "u",
        },
    )

    assert response.status_code == 200, response.text


def test_cancelling_frees_the_time(client: TestClient) -> None:
    first = create(client)
    client.post(
        f"/v1/appointments/{first['id']}/status",
        json={"status": "cancelled", "changed_by": "u"},
    )

    create(client)


def test_adding_a_busy_attendee_is_a_conflict(client: TestClient) -> None:
    create(client, host="other_host", attendees=["busy_patient"])
    group = create(client, group=True, attendees=["user_patient"])

    response = client.patch(
        f"/v1/appointments/{group['id']}",
        json={"attendees": ["user_patient", "busy_patient"], "updated_by": "u"},
    )

    assert [c["user"] for c in assert_conflict(response)] == ["busy_patient"]


def test_a_weekly_series_blocks_its_fifth_week(client: TestClient) -> None:
    series = create(client, recurring=WEEKLY)

    conflicts = refused(
        client, start_time=START + 4 * WEEK, end_time=START + 4 * WEEK + HOUR
    )

    fifth = f"{series['id']}_{START + 4 * WEEK}"
    assert {c["appointment"] for c in conflicts} == {fifth}
    create(client, start_time=START + 8 * WEEK, end_time=START + 8 * WEEK + HOUR)


def test_a_moved_occurrence_frees_its_old_time_and_holds_its_new(
    client: TestClient,
) -> None:
    series = create(client, recurring=WEEKLY)
    second = f"{series['id']}_{START + WEEK}"
    moved_to = START + WEEK + DAY

    response = client.post(
        f"/v1/appointments/{second}/reschedule",
        json={"start_time": moved_to, "end_time": moved_to + HOUR, "changed_by": "u"},
    )
    assert response.status_code == 200, response.text

    create(client, start_time=START + WEEK, end_time=START + WEEK + HOUR)
    assert refused(client, start_time=moved_to, end_time=moved_to + HOUR) == [
        {"appointment": second, "user": "user_host"},
        {"appointment": second, "user": "user_patient"},
    ]


def test_an_occurrence_moved_within_its_own_slot_is_no_conflict(
    client: TestClient,
) -> None:
    series = create(client, recurring=WEEKLY)
    second = f"{series['id']}_{START + WEEK}"

    response = client.post(
        f"/v1/appointments/{second}/reschedule",
        json={
            "start_time": START + WEEK + HOUR // 2,
            "end_time": START + WEEK + HOUR + HOUR // 2,
            "changed_by": "u",
        },
    )

    assert response.status_code == 200, response.text


def test_availability_lists_the_busy_slots_in_the_window(client: TestClient) -> None:
    first = create(client)
    series = create(
        client, start_time=START + 2 * HOUR, end_time=START + 3 * HOUR, recurring=WEEKLY
    )

    entries = busy(client, "user_patient", START, START + WEEK + DAY)

    assert entries == [
        {"start_time": START, "end_time": START + HOUR, "appointment": first["id"]},
        {
            "start_time": START + 2 * HOUR,
            "end_time": START + 3 * HOUR,
            "appointment": f"{series['id']}_{START + 2 * HOUR}",
        },
        {
            "start_time": START + WEEK + 2 * HOUR,
            "end_time": START + WEEK + 3 * HOUR,
            "appointment": f"{series['id']}_{START + WEEK + 2 * HOUR}",
        },
    ]
    assert busy(client, "nobody", START, START + DAY) == []


def test_availability_refuses_a_window_over_31_days(client: TestClient) -> None:
    response = client.get(
        "/v1/availability",
        params={
            "user": "u",
            "start_time_gte": START,
            "start_time_lt": START + 32 * DAY,
        },
    )

    assert_error(response, 400, "parameter_invalid", "start_time_lt")


def test_availability_refuses_an_empty_window(client: TestClient) -> None:
    response = client.get(
        "/v1/availability",
        params={"user": "u", "start_time_gte": START, "start_time_lt": START},
    )

    assert_error(response, 400, "parameter_invalid", "start_time_lt")


def test_allow_overlap_books_over_another_and_is_still_busy(
    client: TestClient,
) -> None:
    first = create(client)

    second = create(
        client,
        start_time=START + HOUR // 2,
        end_time=START + 2 * HOUR,
        allow_overlap=True,
    )

    assert [
        b["appointment"] for b in busy(client, "user_host", START, START + DAY)
    ] == [
        first["id"],
        second["id"],
    ]
    conflicts = refused(client, start_time=START + HOUR, end_time=START + 2 * HOUR)
    assert conflicts == [
        {"appointment": second["id"], "user": "user_host"},
        {"appointment": second["id"], "user": "user_patient"},
    ]


def test_allow_overlap_moves_onto_a_taken_slot(client: TestClient) -> None:
    create(client)
    later = create(client, start_time=START + 2 * HOUR, end_time=START + 3 * HOUR)

    response = client.post(
        f"/v1/appointments/{later['id']}/reschedule",
        json={
            "start_time": START,
            "end_time": START + HOUR,
            "changed_by": "u",
            "allow_overlap": True,
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["start_time"] == START


def test_allow_overlap_adds_a_busy_attendee(client: TestClient) -> None:
    create(client, host="other_host", attendees=["busy_patient"])
    group = create(client, group=True, attendees=["user_patient"])

    response = client.patch(
        f"/v1/appointments/{group['id']}",
        json={
            "attendees": ["user_patient", "busy_patient"],
            "updated_by": "u",
            "allow_overlap": True,
        },
    )

    assert response.status_code == 200, response.text


def test_allow_overlap_must_be_a_boolean(client: TestClient) -> None:
    response = client.post("/v1/appointments", json=create_body(allow_overlap="true"))

    assert_error(response, 400, "parameter_invalid", "allow_overlap")
