"""Recurring series over HTTP: occurrences, exceptions and splits."""

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, assert_error, create

DAY = 24 * HOUR
MONDAY = 1_767_603_600_000  # 2026-01-05T09:00:00Z
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=6", "timezone": "UTC"}
WINDOW = {"start_time_gte": MONDAY, "start_time_lt": MONDAY + 60 * DAY}


def a_series(client: TestClient, **overrides: Any) -> dict[str, Any]:
    fields = {"start_time": MONDAY, "end_time": MONDAY + HOUR, "recurring": WEEKLY}
    return create(client, **{**fields, **overrides})


def occurrence(series: dict[str, Any], week: int) -> str:
    return f"{series['id']}_{MONDAY + week * 7 * DAY}"


def listed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = client.get("/v1/appointments", params=params).json()[
        "data"
    ]
    return data


def test_a_series_echoes_its_rule_exactly(client: TestClient) -> None:
    rule = "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"
    recurring = {"is_recurring": True, "rule": rule, "timezone": "Europe/Berlin"}

    series = a_series(client, recurring=recurring, start_time=MONDAY - HOUR)

    assert series["recurring"] == recurring


def test_an_unusable_rule_is_invalid(client: TestClient) -> None:
    response = client.post(
        "/v1/appointments",
        json={
            "name": "n",
            "description": "",
            "group": False,
            "internal": False,
            "start_time": MONDAY,
            "end_time": MONDAY + HOUR,
            "host": "h",
            "attendees": [],
            "created_by": "c",
            "recurring": {
                "is_recurring": True,
                "rule": "FREQ=YEARLY",
                "timezone": "UTC",
            },
        },
    )

    assert_error(response, 400, "parameter_invalid", "recurring.rule")


def test_a_windowed_list_shows_occurrences_and_an_open_one_the_series(
    client: TestClient,
) -> None:
    series = a_series(client)

    occurrences = listed(client, **WINDOW)
    unbounded = listed(client)

    assert [o["start_time"] for o in occurrences] == [
        MONDAY + w * 7 * DAY for w in range(6)
    ]
    assert [o["id"] for o in occurrences] == [occurrence(series, w) for w in range(6)]
    assert occurrences[2]["recurring"] == {
        **WEEKLY,
        "series": series["id"],
        "original_start_time": MONDAY + 14 * DAY,
    }
    assert set(occurrences[2]) == set(series)
    assert [a["id"] for a in unbounded] == [series["id"]]


def test_an_occurrence_is_retrievable_by_its_id(client: TestClient) -> None:
    series = a_series(client)

    response = client.get(f"/v1/appointments/{occurrence(series, 3)}")

    assert response.status_code == 200
    assert response.headers["ETag"] == '"0"'
    assert response.json()["start_time"] == MONDAY + 21 * DAY
    assert response.json()["video_call"] == series["video_call"]


def test_a_time_the_rule_does_not_produce_is_missing(client: TestClient) -> None:
    series = a_series(client)

    response = client.get(f"/v1/appointments/{series['id']}_{MONDAY + DAY}")

    assert_error(response, 404, "resource_missing", "id")


def test_cancelling_one_occurrence_leaves_the_others(client: TestClient) -> None:
    series = a_series(client)
    second = occurrence(series, 1)

    cancelled = client.post(
        f"/v1/appointments/{second}/status",
        json={"status": "cancelled", "changed_by": "u1"},
    )

    assert cancelled.status_code == 200
    assert cancelled.headers["ETag"] == '"2"'
    statuses = [o["status"] for o in listed(client, **WINDOW)]
    assert statuses == ["scheduled", "cancelled", *["scheduled"] * 4]
    assert client.get(f"/v1/appointments/{second}").json()["status"] == "cancelled"
    assert (
        client.get(f"/v1/appointments/{series['id']}").json()["status"] == "scheduled"
    )
    log = client.get(f"/v1/appointments/{second}/change_log").json()
    assert [e["event"] for e in log["entries"]] == ["created", "status_changed"]
    assert log["id"] == "clog_" + second.removeprefix("appt_")


def test_moving_one_occurrence_keeps_its_id_and_original_start(
    client: TestClient,
) -> None:
    series = a_series(client)
    third = occurrence(series, 2)
    new_start = MONDAY + 15 * DAY

    moved = client.post(
        f"/v1/appointments/{third}/reschedule",
        json={
            "start_time": new_start,
            "end_time": new_start + HOUR,
            "changed_by": "u1",
        },
    ).json()

    assert moved["id"] == third
    assert moved["recurring"]["original_start_time"] == MONDAY + 14 * DAY
    in_order = listed(client, **WINDOW)
    assert [o["id"] for o in in_order].count(third) == 1
    assert next(o for o in in_order if o["id"] == third)["start_time"] == new_start
    log = client.get(f"/v1/appointments/{third}/change_log").json()["entries"]
    assert log[-1]["changes"]["start_time"] == {
        "from": MONDAY + 14 * DAY,
        "to": new_start,
    }


def test_a_no_show_on_one_session_is_not_on_the_series(client: TestClient) -> None:
    series = a_series(client)
    first = occurrence(series, 0)

    client.patch(
        f"/v1/appointments/{first}/attendees/user_patient",
        json={"changed_by": "u1", "no_show": True},
    )

    assert client.get(f"/v1/appointments/{first}").json()["attendees"][0]["no_show"]
    other = client.get(f"/v1/appointments/{occurrence(series, 1)}").json()
    assert other["attendees"][0]["no_show"] is False


def test_splitting_moves_this_and_following_into_a_linked_series(
    client: TestClient,
) -> None:
    series = a_series(client)
    fourth = occurrence(series, 3)
    new_start = MONDAY + 21 * DAY + 2 * HOUR

    response = client.post(
        f"/v1/appointments/{fourth}/reschedule",
        json={
            "start_time": new_start,
            "end_time": new_start + HOUR,
            "changed_by": "u1",
            "scope": "this_and_following",
        },
    )

    assert response.status_code == 200
    remainder = response.json()
    assert remainder["recurring"]["split_from"] == series["id"]
    assert remainder["recurring"]["rule"] == "FREQ=WEEKLY;COUNT=3"
    original = client.get(f"/v1/appointments/{series['id']}").json()
    assert original["recurring"]["continued_by"] == remainder["id"]
    starts = [o["start_time"] for o in listed(client, **WINDOW)]
    assert starts == [MONDAY + w * 7 * DAY for w in range(3)] + [
        new_start + w * 7 * DAY for w in range(3)
    ]
    log = client.get(f"/v1/appointments/{series['id']}/change_log").json()["entries"]
    assert log[-1]["event"] == "updated"
    assert set(log[-1]["changes"]) == {"recurring"}


def test_paging_accepts_an_occurrence_as_the_cursor(client: TestClient) -> None:
    series = a_series(client)

    page = listed(client, **WINDOW, limit=2, starting_after=occurrence(series, 1))

    assert [o["id"] for o in page] == [occurrence(series, 2), occurrence(series, 3)]


def test_actual_times_do_not_apply_to_an_occurrence(client: TestClient) -> None:
    series = a_series(client)

    response = client.patch(
        f"/v1/appointments/{occurrence(series, 0)}",
        json={"updated_by": "u1", "actual_start_time": MONDAY},
    )

    assert_error(response, 400, "parameter_invalid", "actual_start_time")


def test_if_match_zero_names_an_occurrence_without_a_history(
    client: TestClient,
) -> None:
    series = a_series(client)
    path = f"/v1/appointments/{occurrence(series, 1)}/status"
    body = {"status": "confirmed", "changed_by": "u1"}

    stale = client.post(path, json=body, headers={"If-Match": '"1"'})
    fresh = client.post(path, json=body, headers={"If-Match": '"0"'})

    assert_error(stale, 412, "version_mismatch", "If-Match")
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == '"2"'


def test_a_series_cannot_move_off_its_rule(client: TestClient) -> None:
    rule = {
        "is_recurring": True,
        "rule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        "timezone": "UTC",
    }
    series = a_series(client, recurring=rule)

    response = client.post(
        f"/v1/appointments/{series['id']}/reschedule",
        json={
            "start_time": MONDAY + DAY,
            "end_time": MONDAY + DAY + HOUR,
            "changed_by": "u",
        },
    )

    assert_error(response, 400, "parameter_invalid", "start_time")
    assert client.get(f"/v1/appointments/{series['id']}").json()["start_time"] == MONDAY
