"""Exactly once across crashes: a runner dies in the middle of a batch, a new
one starts; every row equals the fold of its events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from infrastructure.bootstrap import Container
from infrastructure.read_model.runner import leader_key
from infrastructure.read_model.status import runner_is_active
from tests.builders import a_draft
from tests.integration.read_model.crashing import CrashingView, SimulatedCrash
from tests.integration.read_model.helpers import (
    FAST,
    a_worker,
    assert_view_matches_events,
    head,
    project_all,
    wait_until,
)

REPO = Path(__file__).resolve().parents[3]


def write_history(container: Container, appointments: int = 6) -> None:
    """Several events per appointment, interleaved across appointments."""
    ids = [
        container.app.schedule(a_draft(host=f"host_{n}")).document["id"]
        for n in range(appointments)
    ]
    for status in ("confirmed", "checked_in"):
        for appointment_id in ids:
            container.app.change_status(appointment_id, status=status, changed_by="u_1")


def test_a_runner_that_dies_inside_a_batch_leaves_no_trace_of_it(
    container: Container,
) -> None:
    write_history(container)  # 18 events
    crashing = CrashingView(container.projections.view.datastore)
    worker = a_worker(container, crashing, replace(FAST, batch_size=4))

    worker.start()
    assert wait_until(lambda: worker.error is not None)
    worker.stop()

    assert isinstance(worker.error, SimulatedCrash)
    assert container.projections.view.position() == 8  # two batches of four committed
    assert not runner_is_active(
        container.database_url, leader_key(crashing.datastore.schema, "appointments")
    )
    assert project_all(container) == head(container)
    assert_view_matches_events(container)


def test_a_killed_worker_process_loses_its_batch_and_its_lock(
    container: Container, tmp_path: Path
) -> None:
    write_history(container)
    marker = tmp_path / "inside-batch"
    schema = container.projections.view.datastore.schema
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.read_model.crashing",
            container.database_url,
            schema,
            str(marker),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert wait_until(marker.exists, timeout=30)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.kill()

    assert container.projections.view.position() == 5  # the first batch only
    key = leader_key(schema, "appointments")
    assert wait_until(lambda: not runner_is_active(container.database_url, key))
    container.start_projections()
    assert container.read_model.wait_for(head(container), timeout=10)
    assert_view_matches_events(container)
