"""Exactly once across crashes: a runner dies in the middle of a batch, a new
one starts; every row equals the fold of its events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from eventsourcing.persistence import DataError
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from infrastructure.bootstrap import Container
from infrastructure.read_model import AppointmentsProjection, AppointmentsView
from infrastructure.read_model.catch_up import EventFeed
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
    table_snapshot,
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


class MisclaimingView(AppointmentsView):
    """Reads its claimed position as ``stale`` whatever the tracking row
    holds: what a broken claim would do. The tracking row's own check must
    then refuse the batch."""

    stale = 0

    def _claimed_position(self, claimed: Cursor[DictRow]) -> int:  # type: ignore[override]
        claimed.fetchone()
        return self.stale


def test_a_batch_that_cannot_move_the_tracking_row_on_commits_nothing(
    container: Container,
) -> None:
    write_history(container)  # 18 events; the last 6 change statuses only
    view = container.projections.view
    feed = EventFeed.of(container.app)
    projection = AppointmentsProjection(view)
    view.apply(*projection.batch(feed.after(0, 12), feed.mapper, feed.name))
    with view.datastore.transaction(commit=True) as curs:  # moved on behind it
        tracking = Identifier(view.datastore.schema, view.tracking_table_name)
        curs.execute(
            SQL("UPDATE {} SET notification_id = %s").format(tracking),
            (head(container),),
        )
    before = table_snapshot(container)
    misclaiming = MisclaimingView(view.datastore)
    misclaiming.stale = 12

    with pytest.raises(DataError):
        misclaiming.apply(*projection.batch(feed.after(12, 6), feed.mapper, feed.name))

    assert table_snapshot(container) == before
    assert view.position() == head(container)
