"""A client's whole journey against a real uvicorn process."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

START = 1_767_261_600_000
HOUR = 3_600_000

NEW_APPOINTMENT = {
    "name": "Annual Check-in",
    "description": "Annual check-in appointment for all patients",
    "group": True,
    "internal": False,
    "start_time": START,
    "end_time": START + HOUR,
    "host": "user_host",
    "attendees": ["user_patient"],
    "created_by": "user_creator",
}


def test_create_retrieve_update_status_attendee_list_change_log(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    with httpx.Client(base_url=start_server(), timeout=10, headers=auth) as api:
        created = api.post("/v1/appointments", json=NEW_APPOINTMENT)
        path = created.headers["Location"]
        retrieved = api.get(path)
        updated = api.patch(path, json={"updated_by": "u1", "attendees": ["p1", "p2"]})
        confirmed = api.post(
            f"{path}/status", json={"status": "confirmed", "changed_by": "u1"}
        )
        attendee = api.patch(
            f"{path}/attendees/p1", json={"changed_by": "u1", "payment_status": "paid"}
        )
        listed = api.get("/v1/appointments", params={"host": "user_host"})
        log = api.get(f"{path}/change_log")

    assert created.status_code == 201
    assert retrieved.json() == created.json()
    assert [a["id"] for a in updated.json()["attendees"]] == ["p1", "p2"]
    assert confirmed.json()["status"] == "confirmed"
    assert attendee.json()["attendees"][0]["payment_status"] == "paid"
    assert listed.json()["data"] == [attendee.json()]
    assert [e["event"] for e in log.json()["entries"]] == [
        "created",
        "attendee_changed",
        "attendee_changed",
        "attendee_changed",
        "status_changed",
        "attendee_changed",
    ]


def test_two_api_processes_read_each_others_writes(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    first, second = start_server(), start_server()

    with httpx.Client(timeout=10, headers=auth) as api:
        for i in range(10):
            hour = {"start_time": START + i * HOUR, "end_time": START + (i + 1) * HOUR}
            created = api.post(
                f"{first}/v1/appointments", json={**NEW_APPOINTMENT, **hour}
            )
            seen = api.get(f"{second}{created.headers['Location']}")
            renamed = api.patch(
                f"{second}{created.headers['Location']}",
                json={"updated_by": "u1", "name": f"Renamed {i}"},
            )
            seen_again = api.get(f"{first}{created.headers['Location']}")

            assert seen.status_code == 200, seen.text
            assert seen.json() == created.json()
            assert seen_again.json() == renamed.json()


def test_concurrent_requests_with_one_key_create_one_appointment(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    base_url = start_server()

    def post(_: int) -> httpx.Response:
        return httpx.post(
            f"{base_url}/v1/appointments",
            json=NEW_APPOINTMENT,
            headers={"Idempotency-Key": "concurrent-key", **auth},
            timeout=20,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(8)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = httpx.get(f"{base_url}/v1/appointments", timeout=10, headers=auth)
    assert len(listed.json()["data"]) == 1
