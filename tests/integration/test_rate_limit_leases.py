"""The rate limit in leases (``infrastructure/rate_limit.py``): several
processes together admit exactly the limit, and most requests are decided
without a statement."""

from __future__ import annotations

from itertools import cycle

from application.access import UNDECIDED
from infrastructure.bootstrap import Container
from infrastructure.rate_limit import PostgresLimitsStorage, PostgresRateLimiter

LIMIT = 300  # leases of 3 requests


class CountingStorage(PostgresLimitsStorage):
    reservations = 0

    def reserve(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        self.reservations += 1
        return super().reserve(key, expiry, amount)


def storage_of(container: Container) -> CountingStorage:
    datastore = container.app.recorder.datastore  # type: ignore[attr-defined]
    return CountingStorage(datastore, table="appointments_rate_limits")


def test_processes_together_admit_exactly_the_limit(container: Container) -> None:
    storage = storage_of(container)
    processes = [PostgresRateLimiter(storage, LIMIT) for _ in range(3)]

    decisions = [p.admit("k") for p, _ in zip(cycle(processes), range(LIMIT + 60))]

    refused = [d for d in decisions if d is not None]
    assert decisions.count(None) == LIMIT
    assert all(1 <= d <= 60 for d in refused)
    assert decisions[: LIMIT - 3] == [None] * (LIMIT - 3)
    assert storage.reservations <= LIMIT // 3 + len(processes)


def test_a_lease_decides_without_asking(container: Container) -> None:
    limiter = PostgresRateLimiter(storage_of(container), LIMIT)

    first = limiter.admit_cached("k")
    limiter.admit("k")

    assert first == UNDECIDED
    assert [limiter.admit_cached("k") for _ in range(2)] == [None, None]
    assert limiter.admit_cached("k") == UNDECIDED


def test_a_spent_window_is_refused_without_asking(container: Container) -> None:
    storage = storage_of(container)
    limiter = PostgresRateLimiter(storage, 1)
    limiter.admit("k")
    limiter.admit("k")
    asked = storage.reservations

    refused = limiter.admit_cached("k")

    assert isinstance(refused, int)
    assert 1 <= refused <= 60
    assert storage.reservations == asked


def test_keys_have_their_own_windows(container: Container) -> None:
    limiter = PostgresRateLimiter(storage_of(container), 1)

    assert limiter.admit("a") is None
    assert limiter.admit("b") is None
    assert limiter.admit("a") is not None
