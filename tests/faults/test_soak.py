"""A bounded soak: moderate create/update/read load on one ``serve`` for
``APPOINTMENTS_SOAK_SECONDS`` (default 300), in five windows (a minute each by
default). Each window's RSS and p99 latency are printed; the last window's
must stay near the second's (the first warms up)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.faults.harness import Service, percentile, send
from tests.faults.load import Load
from tests.faults.postgres import OwnPostgres

pytestmark = pytest.mark.faults

SOAK_SECONDS = float(os.environ.get("APPOINTMENTS_SOAK_SECONDS", "300"))
WINDOWS = 5
RSS_GROWTH = 1.25
"""The last window's RSS may be at most 25% over the second's."""
RSS_FLOOR_MIB = 16.0
"""...plus this much, so that a small process's allocator noise is no leak."""
P99_GROWTH = 3.0
P99_FLOOR_SECONDS = 0.1
MAX_CREATES = 50_000
WRITERS = 2
PACE_SECONDS = 0.05
SOAK_RATE_LIMIT = str(1_000_000)


def reader(serve: Service, load: Load, deadline: float) -> None:
    with serve.client() as client:
        while time.monotonic() < deadline:
            ids = list(load.ledger.creates.values())[-20:]
            for appointment_id in ids:
                send(client, "GET", f"/v1/appointments/{appointment_id}")
            send(client, "GET", "/v1/appointments?limit=20")
            time.sleep(PACE_SECONDS)


def test_memory_and_latency_hold_steady_under_a_moderate_load(
    own_postgres: OwnPostgres, workdir: Path, services: list[Service]
) -> None:
    # The reader alone sends up to 400 requests a second, over the default
    # per-key limit (100 a second); the limiter still counts every request.
    serve = Service(
        "serve", own_postgres.url, workdir, rate_limit_per_minute=SOAK_RATE_LIMIT
    )
    services.append(serve.start())
    load = Load(
        base_url=lambda: serve.base_url,
        writers=WRITERS,
        max_creates=MAX_CREATES,
        pace=PACE_SECONDS,
    )
    window = SOAK_SECONDS / WINDOWS
    started = time.monotonic()
    rss: list[float] = []

    def sample_each_window() -> None:
        for index in range(1, WINDOWS + 1):
            time.sleep(max(0.0, started + index * window - time.monotonic()))
            rss.append(serve.rss_mib())

    reading = threading.Thread(
        target=reader, args=(serve, load, started + SOAK_SECONDS), daemon=True
    )
    reading.start()
    load.run_for(SOAK_SECONDS, during=sample_each_window)
    reading.join(30)

    p99s = []
    print(f"\nsoak of {SOAK_SECONDS:.0f}s in {WINDOWS} windows of {window:.0f}s:")
    for index in range(WINDOWS):
        begin = started + index * window
        latencies = [
            a.reply.seconds
            for a in load.ledger.attempts
            if begin <= a.sent_at < begin + window
        ]
        p99s.append(percentile(latencies, 0.99))
        print(
            f"  window {index + 1}: {len(latencies)} writes, "
            f"p99 {p99s[-1] * 1000:.1f} ms, RSS {rss[index]:.1f} MiB"
        )
    statuses = load.ledger.statuses()
    print(f"  writes by status: {statuses}")
    assert set(statuses) <= {"200", "201"}
    assert load.ledger.unfinished == []
    assert rss[-1] <= rss[1] * RSS_GROWTH + RSS_FLOOR_MIB
    assert p99s[-1] <= p99s[1] * P99_GROWTH + P99_FLOOR_SECONDS
