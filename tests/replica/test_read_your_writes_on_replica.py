"""CONTRACT section 13: with retrieve and list on a replica, a write still
answers only once the replica shows it. The replica applies each commit
``APPLY_DELAY_MS`` late, so a write that answered before it did would be
missing from the replica's own table, and from the retrieve that follows."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from infrastructure.bootstrap import Container
from tests.api.conftest import HOUR, START, create, create_body
from tests.replica.servers import ReplicatedPostgres

LAGGING = "Appointments-Read-Model"


CHANGES = pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"updated_by": "u1", "name": "Follow-up"}),
        ("POST", "", {"updated_by": "u1", "description": "by POST"}),
        ("POST", "/status", {"status": "confirmed", "changed_by": "u1"}),
        (
            "POST",
            "/reschedule",
            {"start_time": START + HOUR, "end_time": START + 2 * HOUR,
             "changed_by": "u1"},
        ),
        (
            "PATCH",
            "/attendees/user_patient",
            {"changed_by": "u1", "payment_status": "paid"},
        ),
    ],
    ids=["patch", "post-update", "status", "reschedule", "attendee"],
)  # fmt: skip
"""Every write route on an existing appointment, each making its version 2."""


def version_on_replica(
    replicated: ReplicatedPostgres, container: Container, appointment_id: str
) -> int | None:
    """The version the replica's own read-model row shows, read directly."""
    table = container.projections.view.tables.appointments
    with psycopg.connect(replicated.replica.url) as conn:
        row = conn.execute(
            psycopg.sql.SQL("SELECT version FROM {} WHERE id = %s").format(table),
            (appointment_id,),
        ).fetchone()
    return None if row is None else int(row[0])


def answered_at_once(response: Any) -> tuple[dict[str, Any], int]:
    """The written document and its version, from a write that did not lag."""
    assert response.status_code in (200, 201), response.text
    assert LAGGING not in response.headers
    written: dict[str, Any] = response.json()
    return written, int(response.headers["ETag"].strip('"'))


def assert_shown_at_once(
    client: TestClient,
    replicated: ReplicatedPostgres,
    container: Container,
    response: Any,
) -> dict[str, Any]:
    written, version = answered_at_once(response)
    assert version_on_replica(replicated, container, written["id"]) == version
    retrieved = client.get(f"/v1/appointments/{written['id']}")
    assert retrieved.headers["ETag"] == response.headers["ETag"]
    assert retrieved.json() == written
    return written


def test_reads_go_to_the_replica(container: Container) -> None:
    assert container.read_database() == "replica"


def test_a_create_is_on_the_replica_when_answered(
    client: TestClient, replicated: ReplicatedPostgres, container: Container
) -> None:
    response = client.post("/v1/appointments", json=create_body(host="host_one"))

    created = assert_shown_at_once(client, replicated, container, response)
    listed = client.get("/v1/appointments", params={"host": "host_one"}).json()
    assert [a["id"] for a in listed["data"]] == [created["id"]]


@CHANGES
def test_a_change_is_on_the_replica_when_answered(
    client: TestClient,
    replicated: ReplicatedPostgres,
    container: Container,
    method: str,
    suffix: str,
    body: dict[str, Any],
) -> None:
    created = create(client)

    response = client.request(
        method, f"/v1/appointments/{created['id']}{suffix}", json=body
    )

    assert_shown_at_once(client, replicated, container, response)
    assert response.headers["ETag"] == '"2"'
