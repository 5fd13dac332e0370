from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, create, create_body


def test_the_same_key_and_body_return_the_first_response(client: TestClient) -> None:
    headers = {"Idempotency-Key": "key-1"}

    first = client.post("/v1/appointments", json=create_body(), headers=headers)
    second = client.post("/v1/appointments", json=create_body(), headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/v1/appointments").json()["data"]
    assert [a["id"] for a in listed] == [first.json()["id"]]


def test_the_same_key_with_another_body_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "key-2"}
    client.post("/v1/appointments", json=create_body(), headers=headers)

    response = client.post(
        "/v1/appointments", json=create_body(name="Other"), headers=headers
    )

    assert_error(response, 409, "idempotency_key_reused", "Idempotency-Key")


def test_a_replayed_status_change_records_nothing_new(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}/status"
    body = {"status": "confirmed", "changed_by": "u1"}
    headers = {"Idempotency-Key": "key-3"}

    first = client.post(path, json=body, headers=headers)
    second = client.post(path, json=body, headers=headers)

    assert second.status_code == first.status_code == 200
    assert second.json() == first.json()
    log = client.get(f"/v1/appointments/{created['id']}/change_log").json()
    assert len(log["entries"]) == 2


def test_a_refused_request_is_replayed_as_refused(client: TestClient) -> None:
    created = create(client)
    path = f"/v1/appointments/{created['id']}/status"
    body = {"status": "completed", "changed_by": "u1"}
    headers = {"Idempotency-Key": "key-4"}

    first = client.post(path, json=body, headers=headers)
    second = client.post(path, json=body, headers=headers)

    assert_error(first, 409, "invalid_status_transition", "status")
    assert second.json() == first.json()
