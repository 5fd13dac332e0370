from fastapi.testclient import TestClient

from domain.ids import is_appointment_id
from tests.api.conftest import create, create_body

APPOINTMENT_FIELDS = {
    "id", "object", "generated_from_type", "generated_from", "appointment_type",
    "name", "description", "group", "internal", "recurring", "start_time",
    "end_time", "actual_start_time", "actual_end_time", "host", "attendees",
    "reference_patients", "interaction_type", "video_call", "location", "status",
    "status_history", "visit_note", "change_log", "created_by", "created_at",
    "last_updated_at", "metadata",
}  # fmt: skip


def test_creates_an_appointment_with_every_field_present(client: TestClient) -> None:
    response = client.post("/v1/appointments", json=create_body())

    assert response.status_code == 201
    body = response.json()
    assert set(body) == APPOINTMENT_FIELDS
    assert body["object"] == "appointment"
    assert is_appointment_id(body["id"])
    assert body["change_log"] == "clog_" + body["id"].removeprefix("appt_")
    assert response.headers["Location"] == f"/v1/appointments/{body['id']}"
    assert response.headers["ETag"] == '"1"'


def test_a_new_appointment_matches_the_seed_shape(client: TestClient) -> None:
    body = create(client, appointment_type="aptp_3XxtAULYUrX7GVsTKePy")

    assert body["recurring"] == {"is_recurring": False}
    assert body["status"] == "scheduled"
    assert body["status_history"] == [
        {
            "status": "scheduled",
            "changed_by": "user_creator",
            "changed_at": body["created_at"],
            "reason": None,
        }
    ]
    assert body["attendees"] == [
        {
            "id": "user_patient",
            "attendance_status": "going",
            "no_show": False,
            "payment_status": "not_applicable",
            "last_updated_at": body["created_at"],
        }
    ]
    assert body["interaction_type"] == "video_call"
    assert set(body["video_call"]) == {"join_url", "meeting_id"}
    assert body["location"] is None
    assert body["reference_patients"] is None
    assert body["visit_note"] is None
    assert body["metadata"] == {}
    assert body["last_updated_at"] == body["created_at"]


def test_an_in_person_appointment_has_a_location_and_no_video_call(
    client: TestClient,
) -> None:
    body = create(
        client,
        interaction_type="in_person",
        location={"name": "Clinic", "address": "1 Main St", "room": "4"},
    )

    assert body["video_call"] is None
    assert body["location"] == {"name": "Clinic", "address": "1 Main St", "room": "4"}


def test_an_internal_appointment_without_patients_lists_none(
    client: TestClient,
) -> None:
    body = create(client, internal=True)

    assert body["reference_patients"] == []
    assert body["appointment_type"] is None


def test_each_video_appointment_gets_its_own_link(client: TestClient) -> None:
    links = [create(client, allow_overlap=True)["video_call"] for _ in range(5)]

    assert len({link["join_url"] for link in links}) == 5
    assert len({link["meeting_id"] for link in links}) == 5


def test_a_created_appointment_is_immediately_retrievable(client: TestClient) -> None:
    created = create(client)

    response = client.get(f"/v1/appointments/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["ETag"] == '"1"'
