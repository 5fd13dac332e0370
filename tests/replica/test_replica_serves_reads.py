"""The replica really serves retrieve, list, availability and calendar feeds:
its own statistics count the scans of the tables they read, while the
primary's stay put."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.read_model.tables import APPOINTMENTS
from infrastructure.recorder import recorder_of
from infrastructure.settings import Settings
from tests.api.calendar_helpers import by_uid, parsed_feed
from tests.api.conftest import START, bearer, create, new_key
from tests.api.test_conflicts import busy
from tests.replica.servers import ReplicatedPostgres

QUIET_SECONDS = 30
SCANS = (
    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
    "WHERE schemaname = %s AND relname = %s"
)
OTHER_CLIENTS = (
    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
    "AND pid <> pg_backend_pid()"
)


@contextmanager
def serving(
    settings: Settings, schema: str, replicated: ReplicatedPostgres
) -> Iterator[tuple[TestClient, Container]]:
    container: Container = bootstrap(settings, schema=schema)
    replicated.replica.wait_until_replayed()
    headers = bearer(
        new_key(container, f"replica-test-{uuid.uuid4().hex[:8]}", Scope.ADMIN)
    )
    with TestClient(create_app(lambda: container), headers=headers) as client:
        yield client, container


def scans(url: str, schema: str, table: str) -> int:
    """``table``'s scans, once every other session has ended (a session
    reports its counts when it ends, at the latest)."""
    deadline = time.monotonic() + QUIET_SECONDS
    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute(OTHER_CLIENTS).fetchone() != (0,):
            assert time.monotonic() < deadline, f"sessions still open on {url}"
            time.sleep(0.05)
        row = conn.execute(SCANS, (schema, table)).fetchone()
    return 0 if row is None else int(row[0])


def three_hosts_appointments(client: TestClient) -> list[str]:
    """The ids of ``host_n``'s appointment with ``patient_n``, n = 0, 1, 2."""
    return [
        create(client, host=f"host_{n}", attendees=[f"patient_{n}"])["id"]
        for n in range(3)
    ]


def test_retrieves_and_lists_scan_the_replicas_table_not_the_primarys(
    settings: Settings, schema: str, replicated: ReplicatedPostgres
) -> None:
    with serving(settings, schema, replicated) as (client, _):
        ids = three_hosts_appointments(client)
    primary_before = scans(replicated.primary.url, schema, APPOINTMENTS)
    replica_before = scans(replicated.replica.url, schema, APPOINTMENTS)

    with serving(settings, schema, replicated) as (client, _):
        for appointment_id in ids:
            assert client.get(f"/v1/appointments/{appointment_id}").status_code == 200
            listed = client.get("/v1/appointments", params={"host": "host_1"})
            assert len(listed.json()["data"]) == 1

    assert scans(replicated.primary.url, schema, APPOINTMENTS) == primary_before
    assert scans(
        replicated.replica.url, schema, APPOINTMENTS
    ) >= replica_before + 2 * len(ids)


def test_availability_and_feeds_scan_the_replicas_tables_not_the_primarys(
    settings: Settings, schema: str, replicated: ReplicatedPostgres
) -> None:
    """Availability reads the occupancy table, a feed the read model's."""
    with serving(settings, schema, replicated) as (client, container):
        ids = three_hosts_appointments(client)
        occupancy = recorder_of(container.app).occupancy.table
    servers = (replicated.primary.url, replicated.replica.url)
    tables = (occupancy, APPOINTMENTS)
    before = {(u, t): scans(u, schema, t) for u in servers for t in tables}

    with serving(settings, schema, replicated) as (client, _):
        for n, appointment_id in enumerate(ids):
            busy_at = busy(client, f"patient_{n}", START, START + 1)
            assert [b["appointment"] for b in busy_at] == [appointment_id]
            assert len(by_uid(parsed_feed(client, f"host_{n}"), appointment_id)) == 1

    for table in tables:
        primary, replica = (scans(url, schema, table) for url in servers)
        assert primary == before[replicated.primary.url, table], table
        assert replica >= before[replicated.replica.url, table] + len(ids), table
