"""When the replica cannot be reached, retrieve, list, availability, calendar
feeds and the writes' wait use the primary's tables, ``/readyz`` says so, and
reads return to the replica once it answers again."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from infrastructure.bootstrap import bootstrap
from infrastructure.read_model.replica import ON_PRIMARY, ON_REPLICA
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
