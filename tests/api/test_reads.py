"""List, time travel, change logs and the event feed over HTTP."""

from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, START, assert_error, create
from tests.fakes import ManualClock


def test_lists_by_start_time_with_keyset_pages(client: TestClient) -> None:
    ids = [
        create(client, start_time=START + i * HOUR, end_time=START + (i + 1) * HOUR)[
            "id"
        ]
        for i in (2, 0, 1)
    ]

    first = client.get("/v1/appointments?limit=2").json()
    second = client.get(
        f"/v1/appointments?limit=2&starting_after={first['data'][-1]['id']}"
    )

    assert first["object"] == "list"
    assert [a["id"] for a in first["data"]] == [ids[1], ids[2]]
    assert first["has_more"] is True
    assert [a["id"] for a in second.json()["data"]] == [ids[0]]
    assert second.json()["has_more"] is False


def test_filters_the_list(client: TestClient) -> None:
    mine = create(client, host="host_a")
    create(client, host="host_b", attendees=["other_patient"])
    internal = create(
        client,
        host="host_a",
        start_time=START + HOUR,
        end_time=START + 2 * HOUR,
        internal=True,
        reference_patients=["p9"],
    )

    by_host = client.get("/v1/appointments?host=host_a").json()["data"]
    by_patient = client.get("/v1/appointments?patient=p9").json()["data"]
    external = client.get("/v1/appointments?host=host_a&internal=false").json()["data"]

    assert {a["id"] for a in by_host} == {mine["id"], internal["id"]}
    assert [a["id"] for a in by_patient] == [internal["id"]]
    assert [a["id"] for a in external] == [mine["id"]]


def test_an_unknown_starting_after_is_invalid(client: TestClient) -> None:
    response = client.get("/v1/appointments?starting_after=appt_00000000000000000000")

    assert_error(response, 400, "parameter_invalid", "starting_after")


def test_a_limit_out_of_range_is_invalid(client: TestClient) -> None:
    assert_error(
        client.get("/v1/appointments?limit=0"), 400, "parameter_invalid", "limit"
    )
    assert_error(
        client.get("/v1/appointments?limit=101"), 400, "parameter_invalid", "limit"
    )


def test_retrieves_an_earlier_version(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}"
    client.patch(path, json={"updated_by": "u1", "name": "Renamed"})

    past = client.get(f"{path}?version=1")

    assert past.status_code == 200
    assert past.json() == created
    assert past.headers["ETag"] == '"1"'


def test_a_version_never_had_is_invalid(client: TestClient) -> None:
    created = create(client)

    response = client.get(f"/v1/appointments/{created['id']}?version=2")

    assert_error(response, 400, "parameter_invalid", "version")


def test_as_of_includes_that_millisecond(
    client: TestClient, clock: ManualClock
) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}"
    renamed = client.patch(path, json={"updated_by": "u1", "name": "Renamed"}).json()
    at = renamed["last_updated_at"]

    just_before = client.get(f"{path}?as_of={at - 1}").json()
    exactly = client.get(f"{path}?as_of={at}").json()
    before_creation = client.get(f"{path}?as_of={created['created_at'] - 1}")

    assert just_before["name"] == created["name"]
    assert exactly["name"] == "Renamed"
    assert_error(before_creation, 404, "resource_missing", "as_of")


def test_the_change_log_is_served_at_both_paths(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}"
    client.post(f"{path}/status", json={"status": "confirmed", "changed_by": "u1"})

    by_appointment = client.get(f"{path}/change_log").json()
    by_id = client.get(f"/v1/change_logs/{created['change_log']}").json()

    assert by_appointment == by_id
    assert by_id["object"] == "change_log"
    assert by_id["appointment"] == created["id"]
    assert [e["event"] for e in by_id["entries"]] == ["created", "status_changed"]
    assert by_id["entries"][1]["changes"] == {
        "status": {"from": "scheduled", "to": "confirmed"}
    }


def test_an_unknown_change_log_is_missing(client: TestClient) -> None:
    response = client.get("/v1/change_logs/clog_00000000000000000000")

    assert response.status_code == 404


def test_the_event_feed_pages_through_every_event_in_order(
    client: TestClient,
) -> None:
    created = create(client)
    client.post(
        f"/v1/appointments/{created['id']}/status",
        json={"status": "confirmed", "changed_by": "u1"},
    )
    create(client, host="other_host", attendees=["other_patient"])

    first = client.get("/v1/events?after=0&limit=2").json()
    rest = client.get(f"/v1/events?after={first['data'][-1]['id']}&limit=2").json()

    items = first["data"] + rest["data"]
    assert first["has_more"] is True
    assert rest["has_more"] is False
    assert [i["type"] for i in items] == [
        "appointment.created",
        "appointment.status_changed",
        "appointment.created",
    ]
    assert [i["id"] for i in items] == sorted(i["id"] for i in items)
    assert items[1]["data"]["object"]["status"] == "confirmed"
    assert items[1]["data"]["changes"] == {
        "status": {"from": "scheduled", "to": "confirmed"}
    }
    assert items[1]["version"] == 2
    assert items[1]["object"] == "event"
