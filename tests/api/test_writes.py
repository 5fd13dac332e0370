"""Update, status, attendee changes and reschedule over HTTP."""

from fastapi.testclient import TestClient

from tests.api.conftest import HOUR, START, assert_error, create


def test_patch_changes_only_the_fields_sent(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "user_editor", "name": "Follow-up"},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Follow-up"
    assert body["description"] == created["description"]
    assert response.headers["ETag"] == '"2"'


def test_post_updates_like_patch(client: TestClient) -> None:
    created = create(client)

    response = client.post(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "user_editor", "visit_note": "note_abc"},
    )

    assert response.status_code == 200
    assert response.json()["visit_note"] == "note_abc"


def test_an_update_that_changes_nothing_keeps_the_version(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "user_editor", "name": created["name"]},
    )

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.json() == created


def test_update_requires_updated_by(client: TestClient) -> None:
    created = create(client)

    response = client.patch(f"/v1/appointments/{created['id']}", json={"name": "x"})

    assert_error(response, 400, "parameter_missing", "updated_by")


def test_update_refuses_null_for_a_required_field(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "user_editor", "name": None},
    )

    assert_error(response, 400, "parameter_invalid", "name")


def test_replacing_attendees_keeps_the_state_of_those_kept(client: TestClient) -> None:
    created = create(client, group=True, attendees=["p1", "p2"])
    client.patch(
        f"/v1/appointments/{created['id']}/attendees/p1",
        json={"changed_by": "user_editor", "payment_status": "paid"},
    )

    response = client.patch(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "user_editor", "attendees": ["p1", "p3"]},
    )

    attendees = {a["id"]: a for a in response.json()["attendees"]}
    assert set(attendees) == {"p1", "p3"}
    assert attendees["p1"]["payment_status"] == "paid"
    assert attendees["p3"]["attendance_status"] == "going"


def test_if_match_on_a_stale_version_is_refused(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}"
    client.patch(path, json={"updated_by": "u1", "name": "First"})

    response = client.patch(
        path, json={"updated_by": "u2", "name": "Second"}, headers={"If-Match": '"1"'}
    )

    assert_error(response, 412, "version_mismatch", "If-Match")
    assert client.get(path).json()["name"] == "First"


def test_if_match_on_the_current_version_applies(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "u1", "name": "First"},
        headers={"If-Match": '"1"'},
    )

    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'


def test_a_malformed_if_match_is_invalid(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}",
        json={"updated_by": "u1", "name": "First"},
        headers={"If-Match": "version one"},
    )

    assert_error(response, 400, "parameter_invalid", "If-Match")


def test_status_changes_follow_the_status_machine(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}/status"

    confirmed = client.post(path, json={"status": "confirmed", "changed_by": "u1"})
    backwards = client.post(path, json={"status": "scheduled", "changed_by": "u1"})

    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert [h["status"] for h in confirmed.json()["status_history"]] == [
        "scheduled",
        "confirmed",
    ]
    assert_error(backwards, 409, "invalid_status_transition", "status")


def test_a_cancelled_appointment_accepts_no_other_change(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}"
    client.post(f"{path}/status", json={"status": "cancelled", "changed_by": "u1"})

    update = client.patch(path, json={"updated_by": "u1", "name": "x"})
    attendee = client.patch(
        f"{path}/attendees/user_patient", json={"changed_by": "u1", "no_show": True}
    )
    moved = client.post(
        f"{path}/reschedule",
        json={"start_time": START, "end_time": START + 2 * HOUR, "changed_by": "u1"},
    )
    status = client.post(
        f"{path}/status", json={"status": "confirmed", "changed_by": "u"}
    )

    assert_error(update, 409, "appointment_cancelled")
    assert_error(attendee, 409, "appointment_cancelled")
    assert_error(moved, 409, "appointment_cancelled")
    assert_error(status, 409, "invalid_status_transition", "status")


def test_changes_one_attendee(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}/attendees/user_patient",
        json={"changed_by": "u1", "attendance_status": "maybe", "no_show": True},
    )

    attendee = response.json()["attendees"][0]
    assert attendee["attendance_status"] == "maybe"
    assert attendee["no_show"] is True
    assert attendee["last_updated_at"] > created["created_at"]


def test_an_attendee_not_on_the_appointment_is_missing(client: TestClient) -> None:
    created = create(client)

    response = client.patch(
        f"/v1/appointments/{created['id']}/attendees/stranger",
        json={"changed_by": "u1", "no_show": True},
    )

    assert_error(response, 404, "resource_missing", "attendee_id")


def test_reschedule_moves_the_appointment_keeping_its_id(client: TestClient) -> None:
    created = create(client)

    response = client.post(
        f"/v1/appointments/{created['id']}/reschedule",
        json={
            "start_time": START + 24 * HOUR,
            "end_time": START + 25 * HOUR,
            "changed_by": "u1",
        },
    )

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["start_time"] == START + 24 * HOUR
