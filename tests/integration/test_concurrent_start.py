"""Several processes starting at once on a fresh database all start: each
creates the tables it needs without tripping over the others."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings

STARTERS = 4


def test_simultaneous_start_ups_on_a_fresh_schema_all_succeed(
    settings: Settings, schema: str
) -> None:
    barrier = threading.Barrier(STARTERS)

    def start(_: int) -> Container:
        barrier.wait(timeout=30)
        return bootstrap(settings, schema=schema)

    with ThreadPoolExecutor(STARTERS) as pool:
        containers = list(pool.map(start, range(STARTERS)))
    try:
        assert all(c.projections.view.position() == 0 for c in containers)
    finally:
        for container in containers:
            container.close()
