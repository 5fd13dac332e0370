"""An API client over the real application, PostgreSQL and in-process projections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from infrastructure.bootstrap import Container

START = 1_767_261_600_000  # 2026-01-01T10:00:00Z
HOUR = 3_600_000


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    """A client whose requests carry an admin key, made in the key store."""
    with TestClient(
        create_app(lambda: container),
        raise_server_exceptions=False,
        headers=bearer(new_key(container, "test-admin", Scope.ADMIN)),
    ) as c:
        yield c


def new_key(container: Container, name: str, *scopes: Scope) -> str:
    return container.api_keys.create(name, frozenset(scopes))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Annual Check-in",
        "description": "Annual check-in appointment for all patients",
        "group": False,
        "internal": False,
        "start_time": START,
        "end_time": START + HOUR,
        "host": "user_host",
        "attendees": ["user_patient"],
        "created_by": "user_creator",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def create(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/appointments", json=create_body(**overrides))
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


def assert_error(
    response: Any, status: int, code: str, param: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "code", "message", "param"}
    assert body["error"]["code"] == code
    assert body["error"]["param"] == param
    assert body["error"]["message"]
    return body["error"]
