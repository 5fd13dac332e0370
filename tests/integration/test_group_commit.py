"""Concurrent creates through the group-committing event store: every one is
recorded once, with its own feed position and an intact hash chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from infrastructure.audit.verify import StoreVerifier
from infrastructure.bootstrap import Container
from tests.builders import a_draft

WRITERS = 16
EACH = 5


def test_concurrent_creates_are_all_recorded_once(container: Container) -> None:
    def create(_: int) -> list[int | None]:
        return [container.app.schedule(a_draft()).position for _ in range(EACH)]

    with ThreadPoolExecutor(WRITERS) as pool:
        positions = [p for batch in pool.map(create, range(WRITERS)) for p in batch]

    assert len(set(positions)) == WRITERS * EACH
    assert container.app.head_position() == max(p or 0 for p in positions)
    report = StoreVerifier(container.app, container.projections.view).verify()
    assert report.findings == []
    assert report.events == WRITERS * EACH
