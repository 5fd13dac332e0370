"""Rebuild: replay into fresh tables, swap them in, while writes continue."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from application.queries import ListQuery
from infrastructure.advisory_locks import AdvisoryLock
from infrastructure.bootstrap import Container
from infrastructure.read_model.catch_up import EventFeed
from infrastructure.read_model.rebuild import RebuildInProgress, fresh_view
from infrastructure.read_model.replay import replay_by_appointment
from infrastructure.read_model.runner import leader_key
from infrastructure.read_model.tables import index_names
from tests.builders import HOUR_MS, START, a_draft
from tests.integration.read_model.dataset import seed_variety
from tests.integration.read_model.helpers import (
    assert_view_matches_events,
    fetch,
    head,
    project_all,
    table_snapshot,
)


class Writer:
    """Keeps scheduling and changing appointments until stopped."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.stopping = threading.Event()
        self.written = 0
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        app = self.container.app
        n = 0
        while not self.stopping.is_set():
            start = START + n * HOUR_MS
            draft = a_draft(host=f"h_{n}", start_time=start, end_time=start + HOUR_MS)
            appointment_id = app.schedule(draft).document["id"]
            app.change_status(appointment_id, status="confirmed", changed_by="u_w")
            self.written += 2
            n += 1

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


class Reader:
    """Keeps listing and retrieving until stopped, counting what it read."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.stopping = threading.Event()
        self.reads = 0
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        try:
            self.read_until_stopped()
        except BaseException as failure:  # surfaced by the test's assertion
            self.failure = failure

    def read_until_stopped(self) -> None:
        view = self.container.read_model
        while not self.stopping.is_set():
            page = view.list(ListQuery(limit=10, internal=True))
            for document in page.data:
                assert view.get(document["id"]) is not None
            self.reads += 1

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


@pytest.fixture
def running(container: Container) -> Iterator[Container]:
    container.start_projections()
    yield container
    container.stop_projections()


def test_a_rebuilt_view_equals_the_live_one(container: Container) -> None:
    seed_variety(container.app)
    project_all(container)
    live = table_snapshot(container)

    position = container.projections.rebuild(batch_size=7)

    assert position == head(container) == container.projections.view.position()
    assert table_snapshot(container) == live


def test_a_rebuild_leaves_the_live_names_and_indexes_and_nothing_else(
    container: Container,
) -> None:
    seed_variety(container.app, count=4)
    container.projections.rebuild()

    tables = fetch(
        container,
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
    )
    indexes = fetch(
        container,
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()",
    )
    assert not [t for t in tables if "rebuild" in t["tablename"]]
    assert set(index_names()) <= {i["indexname"] for i in indexes}


def test_rebuild_while_writes_continue_ends_equal_to_a_fold_of_all_events(
    running: Container, second_container: Container
) -> None:
    seed_variety(second_container.app)
    running.read_model.wait_for(head(running), timeout=10)
    with Writer(second_container) as writer, Reader(running) as reader:
        positions = [running.projections.rebuild(batch_size=10) for _ in range(3)]
        reads_during_rebuilds = reader.reads
    assert reader.failure is None
    assert reads_during_rebuilds > 0
    assert writer.written > 0
    assert running.read_model.wait_for(head(running), timeout=10)
    assert positions == sorted(positions)
    assert positions[-1] <= head(running)
    assert_view_matches_events(running)


def test_only_one_rebuild_runs_at_a_time(container: Container) -> None:
    schema = container.projections.view.datastore.schema
    key = leader_key(schema, "appointments") + ":rebuild"
    other = AdvisoryLock(container.database_url, key)
    assert other.try_acquire()
    try:
        with pytest.raises(RebuildInProgress):
            container.projections.rebuild()
    finally:
        other.release()


def test_a_replay_into_fresh_tables_tells_no_process_of_its_position(
    container: Container,
) -> None:
    """Every process wakes its waiting writers on the positions the read
    model's channel names: the fresh tables' position, before the swap, must
    not be one of them (the live tables do not show those writes yet)."""
    for n in range(3):
        container.app.schedule(a_draft(host=f"host_{n}"))
    live = container.projections.view
    with psycopg.connect(container.database_url, autocommit=True) as listening:
        listening.execute(SQL("LISTEN {}").format(Identifier(live.channel)))
        replay_by_appointment(
            EventFeed.of(container.app), fresh_view(live), head(container)
        )
        during_replay = [n.payload for n in listening.notifies(timeout=0.5)]
        project_all(container)
        live_batch = [n.payload for n in listening.notifies(timeout=5, stop_after=1)]

    assert during_replay == []
    assert live_batch[0].split(" ")[2] == str(head(container))
