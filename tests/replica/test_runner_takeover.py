"""CONTRACT section 13: several ``worker`` and ``serve`` processes share the
primary; one runs the projection, and when it is killed (SIGKILL: no shutdown
of any kind) a standby takes over within seconds. Writes through an API node
reading from the replica then still answer once the replica shows them."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from infrastructure.read_model import AppointmentsProjection
from infrastructure.read_model.runner import leader_key
from tests.faults.harness import Reply, Service, create_admin_key, create_body, send
from tests.replica.servers import ReplicatedPostgres

pytestmark = pytest.mark.replica_processes

TAKEOVER_BOUND_SECONDS = 30
"""A bound on waiting, not a figure: takeover here takes about a second."""
LAGGING = "appointments-read-model"


LEADER_SESSION = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(%s, 0)"
)


def leader_session(database_url: str) -> int | None:
    """The server process id of the session holding the runner's lock."""
    key = leader_key("public", AppointmentsProjection.name)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(LEADER_SESSION, (key,)).fetchone()
    return None if row is None else int(row[0])


def wait_for_a_leader_other_than(database_url: str, session: int | None) -> float:
    """Seconds until a session other than ``session`` holds the lock."""
    started = time.monotonic()
    while leader_session(database_url) in (None, session):
        waited = time.monotonic() - started
        assert waited < TAKEOVER_BOUND_SECONDS, "no runner took the lead"
        time.sleep(0.05)
    return time.monotonic() - started


def wait_until_standing_by(worker: Service) -> None:
    """Until the worker says its runner started (as leader or standby)."""
    log = worker.workdir / f"{worker.command}-{worker.port}-{worker.starts}.log"
    started = time.monotonic()
    while "projections started" not in log.read_text():
        assert worker.alive(), log.read_text()
        assert time.monotonic() - started < TAKEOVER_BOUND_SECONDS, log.read_text()
        time.sleep(0.05)


def create_and_read_back(api: Service) -> Reply:
    with api.client() as http:
        created = send(http, "POST", "/v1/appointments", create_body())
        assert created.status == 201, created.body
        retrieved = send(http, "GET", f"/v1/appointments/{created.body['id']}")
    assert retrieved.status == 200
    assert retrieved.body == created.body
    return created


def test_a_standby_worker_takes_over_when_the_leader_is_killed(
    replicated: ReplicatedPostgres, workdir: Path, services: list[Service]
) -> None:
    primary = replicated.primary.url
    create_admin_key(primary)
    leader = Service("worker", primary, workdir)
    standby = Service("worker", primary, workdir)
    api = Service(
        "serve",
        primary,
        workdir,
        serve_projections="false",
        read_database_url=replicated.replica.url,
    )
    services.extend([leader, standby, api])
    leader.start()
    wait_for_a_leader_other_than(primary, None)
    standby.start()
    api.start()
    wait_until_standing_by(standby)
    assert LAGGING not in create_and_read_back(api).headers

    killed_leaders_session = leader_session(primary)
    leader.kill()
    took = wait_for_a_leader_other_than(primary, killed_leaders_session)
    after = create_and_read_back(api)

    print(f"\nthe standby led {took:.2f}s after the leader's SIGKILL")
    assert standby.alive()
    assert LAGGING not in after.headers
    with api.client() as http:
        ready = send(http, "GET", "/readyz")
    assert ready.body["read_database"] == "replica"
