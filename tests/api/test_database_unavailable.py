"""Losing the database is a 503 with Retry-After, never a 500."""

from fastapi.testclient import TestClient

from infrastructure.bootstrap import Container
from tests.api.conftest import assert_error, create, create_body


def lose_the_database(client: TestClient, container: Container) -> None:
    container.stop_projections()
    container.app.recorder.datastore.pool.close()  # type: ignore[attr-defined]
    container.projections.view.datastore.pool.close()
    client.portal.call(container.retrieve.aclose)  # type: ignore[union-attr]


def test_reads_and_writes_answer_503_when_the_database_is_gone(
    client: TestClient, container: Container
) -> None:
    created = create(client)
    lose_the_database(client, container)

    retrieve = client.get(f"/v1/appointments/{created['id']}")
    listing = client.get("/v1/appointments")
    write = client.post("/v1/appointments", json=create_body())
    keyed = client.post(
        "/v1/appointments", json=create_body(), headers={"Idempotency-Key": "k"}
    )
    log = client.get(f"/v1/appointments/{created['id']}/change_log")

    for response in (retrieve, listing, write, keyed, log):
        assert_error(response, 503, "database_unavailable")
        assert response.headers["Retry-After"] == "2"


def test_liveness_holds_and_readiness_fails_without_the_database(
    client: TestClient, container: Container
) -> None:
    lose_the_database(client, container)

    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
