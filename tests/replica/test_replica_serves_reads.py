"""The replica really serves retrieve and list: its own statistics count the
read model's scans, while the primary's stay put."""

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
from infrastructure.settings import Settings
from tests.api.conftest import bearer, create, new_key
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
) -> Iterator[TestClient]:
    container: Container = bootstrap(settings, schema=schema)
    replicated.replica.wait_until_replayed()
    headers = bearer(
        new_key(container, f"replica-test-{uuid.uuid4().hex[:8]}", Scope.ADMIN)
    )
    with TestClient(create_app(lambda: container), headers=headers) as client:
        yield client


def scans(url: str, schema: str) -> int:
    """The read model table's scans, once every other session has ended (a
    session reports its counts when it ends, at the latest)."""
    deadline = time.monotonic() + QUIET_SECONDS
    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute(OTHER_CLIENTS).fetchone() != (0,):
            assert time.monotonic() < deadline, f"sessions still open on {url}"
            time.sleep(0.05)
        row = conn.execute(SCANS, (schema, APPOINTMENTS)).fetchone()
    return 0 if row is None else int(row[0])


def test_retrieves_and_lists_scan_the_replicas_table_not_the_primarys(
    settings: Settings, schema: str, replicated: ReplicatedPostgres
) -> None:
    with serving(settings, schema, replicated) as client:
        ids = [
            create(client, host=f"host_{n}", attendees=[f"patient_{n}"])["id"]
            for n in range(3)
        ]
    primary_before = scans(replicated.primary.url, schema)
    replica_before = scans(replicated.replica.url, schema)

    with serving(settings, schema, replicated) as client:
        for appointment_id in ids:
            assert client.get(f"/v1/appointments/{appointment_id}").status_code == 200
            listed = client.get("/v1/appointments", params={"host": "host_1"})
            assert len(listed.json()["data"]) == 1

    assert scans(replicated.primary.url, schema) == primary_before
    assert scans(replicated.replica.url, schema) >= replica_before + 2 * len(ids)
