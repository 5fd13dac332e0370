"""One active runner per projection; the others stand by and take over."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from infrastructure.bootstrap import Container
from infrastructure.read_model import ProjectionWorker
from tests.builders import a_draft
from tests.integration.read_model.helpers import (
    FAST,
    a_worker,
    assert_view_matches_events,
    head,
    wait_until,
)


def active(workers: list[ProjectionWorker]) -> list[ProjectionWorker]:
    return [w for w in workers if w.is_active]


def test_one_runner_leads_and_the_standby_takes_over_when_it_stops(
    container: Container, second_container: Container
) -> None:
    workers = [a_worker(container), a_worker(second_container)]
    for worker in workers:
        worker.start()
    try:
        assert wait_until(lambda: len(active(workers)) == 1)
        for _ in range(20):  # and it stays that way
            assert len(active(workers)) == 1
            time.sleep(0.01)
        leader = active(workers)[0]
        standby = next(w for w in workers if w is not leader)

        written = container.app.schedule(a_draft(host="host_before"))
        assert container.read_model.wait_for(written.position or 0, timeout=5)

        leader.stop()
        assert wait_until(lambda: standby.is_active)
        written = container.app.schedule(a_draft(host="host_after"))
        assert second_container.read_model.wait_for(written.position or 0, timeout=5)
    finally:
        for worker in workers:
            worker.stop()
    assert_view_matches_events(container)


def test_runners_racing_without_the_lock_still_apply_each_event_once(
    container: Container,
) -> None:
    for n in range(8):
        appointment_id = container.app.schedule(a_draft(host=f"h_{n}")).document["id"]
        container.app.change_status(appointment_id, status="cancelled", changed_by="u")
    workers = [
        a_worker(container, timings=replace(FAST, batch_size=3)) for _ in range(4)
    ]
    threads = [threading.Thread(target=w.catch_up) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert container.projections.view.position() == head(container)
    assert_view_matches_events(container)
