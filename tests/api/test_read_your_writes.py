"""docs/api.md "Read your writes": a write answers once the read model shows it,
or past the bound with its 2xx and ``Appointments-Read-Model: lagging``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import load_settings
from tests.api.conftest import bearer, create_body, new_key
from tests.fakes import ManualClock, RecordingVideoMeetings

HEADER = "Appointments-Read-Model"


@pytest.fixture
def client_without_projections(
    database_url: str, schema: str, clock: ManualClock, video: RecordingVideoMeetings
) -> Iterator[TestClient]:
    settings = load_settings(database_url=database_url, read_your_writes_timeout=0.2)
    container = bootstrap(settings, schema=schema, clock=clock, video=video)
    app = create_app(lambda: container, run_projections=False)
    headers = bearer(new_key(container, "test-admin", Scope.ADMIN))
    with TestClient(app, raise_server_exceptions=False, headers=headers) as client:
        yield client


def test_a_write_the_read_model_shows_has_no_lagging_header(
    client: TestClient,
) -> None:
    response = client.post("/v1/appointments", json=create_body())

    assert response.status_code == 201
    assert HEADER not in response.headers
    assert client.get(f"/v1/appointments/{response.json()['id']}").status_code == 200


def test_a_write_past_the_bound_is_answered_and_marked_lagging(
    client_without_projections: TestClient,
) -> None:
    response = client_without_projections.post("/v1/appointments", json=create_body())

    assert response.status_code == 201
    assert response.headers[HEADER] == "lagging"
    assert response.json()["name"] == create_body()["name"]
