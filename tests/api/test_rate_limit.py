"""The per-key rate limit: 429 with Retry-After, counted in PostgreSQL so that
every API process shares one window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings, load_settings
from tests.api.conftest import assert_error, bearer, new_key

LIMIT = 3


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, rate_limit_per_minute=LIMIT)


@pytest.fixture
def second_container(settings: Settings, schema: str) -> Iterator[Container]:
    """Another API process's container on the same store."""
    built = bootstrap(settings, schema=schema)
    yield built
    built.close()


def client_of(container: Container) -> TestClient:
    return TestClient(create_app(lambda: container), raise_server_exceptions=False)


def test_a_key_over_its_limit_gets_429_with_retry_after(container: Container) -> None:
    secret = new_key(container, "busy", Scope.APPOINTMENTS_READ)
    other = new_key(container, "quiet", Scope.APPOINTMENTS_READ)
    with client_of(container) as client:
        allowed = [
            client.get("/v1/appointments", headers=bearer(secret)) for _ in range(LIMIT)
        ]
        refused = client.get("/v1/appointments", headers=bearer(secret))
        unaffected = client.get("/v1/appointments", headers=bearer(other))

    assert [r.status_code for r in allowed] == [200] * LIMIT
    error = assert_error(refused, 429, "rate_limited")
    assert error["type"] == "rate_limit_error"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert unaffected.status_code == 200


def test_every_process_counts_against_the_same_window(
    container: Container, second_container: Container
) -> None:
    secret = new_key(container, "shared", Scope.APPOINTMENTS_READ)
    with client_of(container) as first, client_of(second_container) as second:
        statuses = [
            (first if i % 2 else second)
            .get("/v1/appointments", headers=bearer(secret))
            .status_code
            for i in range(LIMIT + 1)
        ]

    assert statuses == [200] * LIMIT + [429]


def test_the_limit_is_checked_before_the_body(container: Container) -> None:
    secret = new_key(container, "writer", Scope.APPOINTMENTS_WRITE)
    headers = {**bearer(secret), "Content-Type": "text/plain"}
    with client_of(container) as client:
        for _ in range(LIMIT):
            client.post("/v1/appointments", content=b"x", headers=headers)
        refused = client.post("/v1/appointments", content=b"x", headers=headers)

    assert_error(refused, 429, "rate_limited")


def test_zero_turns_the_limit_off(database_url: str, schema: str) -> None:
    settings = load_settings(database_url=database_url, rate_limit_per_minute=0)
    container = bootstrap(settings, schema=schema)
    try:
        secret = new_key(container, "free", Scope.APPOINTMENTS_READ)
        with client_of(container) as client:
            statuses = {
                client.get("/v1/appointments", headers=bearer(secret)).status_code
                for _ in range(LIMIT * 3)
            }
    finally:
        container.close()

    assert container.rate_limiter is None
    assert statuses == {200}
