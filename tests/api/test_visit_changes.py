"""CONTRACT section 11 over HTTP: PATCH ``host``, ``interaction_type`` and
``location``, validated as on create and conflict-checked."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, START, assert_error, create
from tests.api.test_conflicts import assert_conflict

ADDRESS = {"address": "1 Main Street", "room": "4"}


def patch(client: TestClient, appointment_id: str, **fields: Any) -> Any:
    return client.patch(
        f"/v1/appointments/{appointment_id}", json={"updated_by": "u", **fields}
    )


REFUSED: list[Any] = [
    pytest.param(
        {"interaction_type": "in_person"},
        "parameter_missing",
        "location.address",
        id="in-person-without-location",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"room": "4"}},
        "parameter_missing",
        "location.address",
        id="in-person-without-address",
    ),
    pytest.param(
        {"location": ADDRESS}, "parameter_invalid", "location", id="location-on-video"
    ),
    pytest.param(
        {"interaction_type": "video_call", "location": ADDRESS},
        "parameter_invalid",
        "location",
        id="location-with-video",
    ),
    pytest.param({"host": None}, "parameter_invalid", "host", id="null-host"),
    pytest.param({"host": "a b"}, "parameter_invalid", "host", id="host-pattern"),
    pytest.param(
        {"host": "user_patient"}, "parameter_invalid", "host", id="host-attends"
    ),
    pytest.param(
        {"interaction_type": "phone"},
        "parameter_invalid",
        "interaction_type",
        id="unknown-interaction",
    ),
    pytest.param(
        {"interaction_type": None},
        "parameter_invalid",
        "interaction_type",
        id="null-interaction",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"address": "x", "floor": 2}},
        "parameter_unknown",
        "location.floor",
        id="unknown-location-field",
    ),
]


@pytest.mark.parametrize(("fields", "code", "param"), REFUSED)
def test_a_visit_change_that_breaks_a_rule_is_refused(
    client: TestClient, fields: dict[str, Any], code: str, param: str
) -> None:
    appointment = create(client)

    assert_error(patch(client, appointment["id"], **fields), 400, code, param)
    assert client.get(f"/v1/appointments/{appointment['id']}").headers["ETag"] == '"1"'


def test_an_in_person_appointment_needs_its_location_kept(client: TestClient) -> None:
    appointment = create(client, interaction_type="in_person", location=ADDRESS)

    response = patch(client, appointment["id"], location=None)

    assert_error(response, 400, "parameter_missing", "location.address")


def test_a_new_host_keeps_id_and_link_and_shows_in_time_travel(
    client: TestClient,
) -> None:
    appointment = create(client)
    path = f"/v1/appointments/{appointment['id']}"

    response = patch(client, appointment["id"], host="user_other")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["video_call"]) == (
        appointment["id"],
        appointment["video_call"],
    )
    assert body["host"] == "user_other"
    assert client.get(path, params={"version": 1}).json()["host"] == "user_host"
    entry = client.get(f"{path}/change_log").json()["entries"][-1]
    assert entry["changes"] == {"host": {"from": "user_host", "to": "user_other"}}


def test_switching_there_and_back_books_a_new_link(client: TestClient) -> None:
    appointment = create(client)
    path = f"/v1/appointments/{appointment['id']}"

    in_person = patch(
        client, appointment["id"], interaction_type="in_person", location=ADDRESS
    )
    back = patch(client, appointment["id"], interaction_type="video_call")

    assert in_person.json()["video_call"] is None
    assert in_person.json()["location"] == ADDRESS
    assert back.json()["location"] is None
    assert (
        back.json()["video_call"]["join_url"] != appointment["video_call"]["join_url"]
    )
    versions = [client.get(path, params={"version": v}).json() for v in (1, 2, 3)]
    assert [v["interaction_type"] for v in versions] == [
        "video_call",
        "in_person",
        "video_call",
    ]
    assert versions[0]["video_call"] == appointment["video_call"]


def test_a_busy_new_host_is_a_conflict_unless_allowed(client: TestClient) -> None:
    start = START + 5 * HOUR
    times = {"start_time": start, "end_time": start + HOUR}
    busy = create(client, host="user_b", attendees=["patient_b"], **times)
    mine = create(client, attendees=["patient_a"], **times)

    conflicts = assert_conflict(patch(client, mine["id"], host="user_b"))
    allowed = patch(client, mine["id"], host="user_b", allow_overlap=True)

    assert conflicts == [{"appointment": busy["id"], "user": "user_b"}]
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["host"] == "user_b"
