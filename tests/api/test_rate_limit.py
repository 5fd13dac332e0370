"""The per-key rate limit: 429 with Retry-After, counted in PostgreSQL so that
every API process shares one window."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.rate_limit import (
    LEASE_SHARE,
    PostgresLimitsStorage,
    PostgresRateLimiter,
)
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


class CountingStorage(PostgresLimitsStorage):
    """The real storage, counting the claims that reach the database."""

    claims = 0

    def claim(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        self.claims += 1
        return super().claim(key, expiry, amount)


@pytest.fixture
def storage(container: Container) -> CountingStorage:
    return CountingStorage(container.app.recorder.datastore, "test_rate_leases")  # type: ignore[attr-defined]


def test_leases_never_admit_more_than_the_limit_across_processes(
    storage: CountingStorage,
) -> None:
    limit = 1_000
    processes = [PostgresRateLimiter(storage, limit) for _ in range(3)]

    answers = [processes[i % 3].admit("busy") for i in range(limit + 200)]

    admitted = answers.count(None)
    assert admitted <= limit
    # Unused leases are lost with the window: at most one a process.
    assert admitted >= limit - 3 * (limit // LEASE_SHARE)
    assert all(1 <= seconds <= 60 for seconds in answers if seconds is not None)
    assert storage.claims < admitted / 2


def test_a_busy_key_claims_ever_larger_leases_up_to_a_share_of_the_limit(
    storage: CountingStorage,
) -> None:
    limiter = PostgresRateLimiter(storage, 6_000)
    sizes = []
    for _ in range(200):
        before = storage.claims
        assert limiter.admit("busy") is None
        if storage.claims > before:
            sizes.append(limiter._leases["busy"].size)

    assert sizes[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert set(sizes[7:]) == {60}


def test_a_lease_ends_with_its_window(storage: CountingStorage) -> None:
    now = [time.time()]
    limiter = PostgresRateLimiter(storage, 6_000, wall=lambda: now[0])
    for _ in range(4):
        limiter.admit("key")
    assert limiter.admit_locally("key")

    now[0] += 61  # the database's window (a minute) has ended

    assert not limiter.admit_locally("key")
