"""When the replica cannot be reached, retrieve, list, availability, calendar
feeds and the writes' wait use the primary's tables, ``/readyz`` says so, and
reads return to the replica once it answers again."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from fastapi.testclient import TestClient

from application.errors import DatabaseUnavailable
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.database import eventsourcing_env
from infrastructure.read_model.replica import (
    ON_PRIMARY,
    ON_REPLICA,
    ReplicaReads,
    ServerReads,
    open_replica_reads,
)
from infrastructure.recorder import recorder_of
from infrastructure.settings import Settings
from tests.api.calendar_helpers import by_uid, parsed_feed
from tests.api.conftest import HOUR, START, create
from tests.api.test_conflicts import busy
from tests.faults.harness import free_port
from tests.replica.servers import ReplicatedPostgres

LAGGING = "Appointments-Read-Model"
RETURN_SECONDS = 30


def read_database(client: TestClient) -> str:
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    value: str = ready.json()["read_database"]
    return value


def test_reads_fall_back_to_the_primary_while_the_replica_is_down(
    client: TestClient, replicated: ReplicatedPostgres
) -> None:
    created = create(client)
    assert read_database(client) == ON_REPLICA

    replicated.replica.stop()
    retrieved = client.get(f"/v1/appointments/{created['id']}")
    changed = client.patch(
        f"/v1/appointments/{created['id']}", json={"updated_by": "u", "name": "New"}
    )
    listed = client.get("/v1/appointments")

    assert retrieved.status_code == 200
    assert retrieved.json() == created
    assert changed.status_code == 200
    assert LAGGING not in changed.headers
    assert [a["name"] for a in listed.json()["data"]] == ["New"]
    assert read_database(client) == ON_PRIMARY

    replicated.replica.start()
    deadline = time.monotonic() + RETURN_SECONDS
    while read_database(client) != ON_REPLICA:
        assert time.monotonic() < deadline, "reads did not return to the replica"
        time.sleep(0.2)
    assert client.get(f"/v1/appointments/{created['id']}").json()["name"] == "New"


def busy_ids(client: TestClient) -> list[str]:
    return [b["appointment"] for b in busy(client, "user_patient", START, START + HOUR)]


def feed_names(client: TestClient, appointment_id: str) -> list[str]:
    return [
        str(e["summary"])
        for e in by_uid(parsed_feed(client, "user_host"), appointment_id)
    ]


@pytest.mark.parametrize("first_read", ["availability", "feed"])
def test_availability_and_feeds_fall_back_to_the_primary_while_the_replica_is_down(
    client: TestClient, replicated: ReplicatedPostgres, first_read: str
) -> None:
    """``first_read`` is the read that meets the stopped replica."""
    created = create(client)

    replicated.replica.stop()
    if first_read == "availability":
        assert busy_ids(client) == [created["id"]]
    else:
        assert feed_names(client, created["id"]) == [created["name"]]
    assert read_database(client) == ON_PRIMARY
    renamed = client.patch(
        f"/v1/appointments/{created['id']}", json={"updated_by": "u", "name": "New"}
    )
    cancelled = client.post(
        f"/v1/appointments/{created['id']}/status",
        json={"status": "cancelled", "changed_by": "u", "reason": "ill"},
    )

    for answer in (renamed, cancelled):
        assert answer.status_code == 200, answer.text
        assert LAGGING not in answer.headers
    assert busy_ids(client) == []
    assert feed_names(client, created["id"]) == ["New"]


def test_a_replica_unreachable_at_start_up_leaves_reads_on_the_primary(
    settings: Settings, schema: str
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/appointments"
    unreachable = settings.model_copy(update={"read_database_url": nowhere})

    container = bootstrap(unreachable, schema=schema)
    try:
        assert container.read_database() == ON_PRIMARY
        assert container.read_model.get("appt_unknown") is None
    finally:
        container.close()


def test_reads_return_to_the_replica_only_once_it_shows_what_the_primary_answered(
    client: TestClient, container: Container, settings: Settings, schema: str
) -> None:
    """A write answered while reads were on the primary waited for the primary
    only; the replica (paused here) must show it before reads go back to it."""
    created = create(client)
    replica_url = settings.read_database_url
    assert replica_url is not None
    assert container.replica is not None
    reachable = threading.Event()

    def open_replica() -> ServerReads:
        if not reachable.is_set():
            raise DatabaseUnavailable("unreachable, for the test")
        env = eventsourcing_env(settings.database_url or "", schema=schema)
        return open_replica_reads(
            replica_url, env, 5, recorder_of(container.app).occupancy
        )

    reads = ReplicaReads(container.replica.primary, open_replica, retry_seconds=0.0)
    try:
        assert reads.serving == ON_PRIMARY
        with psycopg.connect(replica_url, autocommit=True) as replica:
            replica.execute("SELECT pg_wal_replay_pause()")
            try:
                renamed = container.app.update(
                    created["id"], changed_by="u", changes={"name": "Renamed"}
                )
                assert renamed.position is not None
                assert reads.wait_for(renamed.position, timeout=10)  # the primary
                reachable.set()

                read_while_paused = reads.get(created["id"])
                stayed = reads.serving
            finally:
                replica.execute("SELECT pg_wal_replay_resume()")

        assert read_while_paused is not None
        assert read_while_paused.document["name"] == "Renamed"
        assert stayed == ON_PRIMARY  # the paused replica could not catch up
        deadline = time.monotonic() + RETURN_SECONDS
        while reads.serving != ON_REPLICA:
            assert time.monotonic() < deadline, "reads did not return to the replica"
            reads.get(created["id"])
            time.sleep(0.1)
        returned = reads.get(created["id"])
        assert returned is not None
        assert returned.document["name"] == "Renamed"
    finally:
        reads.close()
