from fastapi.testclient import TestClient

from tests.api.conftest import create


def test_liveness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_ready_when_the_projections_have_caught_up(client: TestClient) -> None:
    create(client)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["encryption"] == "off"


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    create(client)

    text = client.get("/metrics").text

    assert "appointments_http_requests_total" in text
    assert 'route="/v1/appointments"' in text
