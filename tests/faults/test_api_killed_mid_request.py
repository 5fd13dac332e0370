"""An API process killed with SIGKILL in the middle of a keyed create; the
client retries with the same Idempotency-Key on a new process, which
completes the create exactly once. The kill is placed, not hoped for: the
test holds what the request needs next, sees it waiting there, then kills.

Three places: before the events' transaction could lock the store; inside
it, while it stores the key's response with the events; and after it
committed, while the request waits for the read model (the API process runs
no projections, so the wait lasts until the kill)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from infrastructure.bootstrap import Container
from tests.faults.harness import Reply, Service, create_body, send
from tests.faults.load import Load, open_container
from tests.faults.postgres import OwnPostgres

pytestmark = pytest.mark.faults

RETRY_SECONDS = 120
"""How long the client keeps retrying (a claim left by a dead process is
taken over when it goes stale)."""
WAIT_SECONDS = 30
GATE_LOCK = 14_014


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


def waiting_on(url: str, wait_event_type: str, query_start: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = %s "
            "AND query ILIKE %s AND pid <> pg_backend_pid()",
            (wait_event_type, query_start + "%"),
        ).fetchone()
    return bool(row and row[0])


def appointments_of(container: Container, host: str) -> int:
    with psycopg.connect(container.database_url, autocommit=True) as conn:
        events = sql.Identifier(container.app.recorder.events_table_name)  # type: ignore[attr-defined]
        row = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {} WHERE originator_version = 1 "
                "AND convert_from(state, 'UTF8') LIKE %s"
            ).format(events),
            ("%" + host + "%",),
        ).fetchone()
    return int(row[0]) if row else 0


@contextmanager
def events_table_locked(container: Container) -> Iterator[None]:
    """Writers queue behind this lock, before anything of theirs is stored."""
    events = container.app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(container.database_url) as conn:
        conn.execute(
            sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(events))
        )
        yield
        conn.rollback()


@contextmanager
def completion_gated(container: Container) -> Iterator[None]:
    """Storing the key's response, in the events' transaction, waits on a
    lock this test holds: nothing of the request is committed yet."""
    table = container.idempotency.table  # type: ignore[attr-defined]
    with psycopg.connect(container.database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION faults_gate() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock({GATE_LOCK}); "
            "RETURN NEW; END $$"
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER faults_gate BEFORE UPDATE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION faults_gate()"
            ).format(table)
        )
        conn.execute("SELECT pg_advisory_lock(%s)", (GATE_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (GATE_LOCK,))
            conn.execute(sql.SQL("DROP TRIGGER faults_gate ON {}").format(table))


def post_in_background(
    serve: Service, body: dict[str, Any], key: str
) -> threading.Thread:
    def post() -> None:
        with serve.client(timeout=120) as client:
            send(client, "POST", "/v1/appointments", body, idempotency_key=key)

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread


def retry_on_a_new_process(
    own_postgres: OwnPostgres,
    workdir: Path,
    services: list[Service],
    body: dict[str, Any],
    key: str,
) -> tuple[Reply | None, float]:
    fresh = Service("serve", own_postgres.url, workdir)
    services.append(fresh.start())
    load = Load(base_url=lambda: fresh.base_url)
    started = time.monotonic()
    with fresh.client() as client:
        reply = load.until_done(
            client, "POST", "/v1/appointments", body, key, give_up_after=RETRY_SECONDS
        )
        again = send(client, "POST", "/v1/appointments", body, idempotency_key=key)
    assert again.status == 201
    assert reply is None or again.body == reply.body
    return reply, time.monotonic() - started


def waits_in(statement: str) -> Callable[[Container, str], bool]:
    return lambda container, host: waiting_on(container.database_url, "Lock", statement)


def stored(container: Container, host: str) -> bool:
    return appointments_of(container, host) == 1


@dataclass(frozen=True)
class KillPoint:
    hold: Callable[[Container], AbstractContextManager[None]]
    """What the test holds that the request will wait for."""
    reached: Callable[[Container, str], bool]
    """Whether the request (creating for this host) waits there now."""
    stored_at_kill: int
    """Appointments the killed request left stored."""
    settings: dict[str, str] = field(default_factory=dict)
    """The killed API process's settings."""


KILL_POINTS = {
    "before_the_commit": KillPoint(events_table_locked, waits_in("LOCK TABLE"), 0),
    "in_the_commit": KillPoint(completion_gated, waits_in("UPDATE"), 0),
    "after_the_commit": KillPoint(
        lambda container: nullcontext(),
        stored,
        1,
        {"serve_projections": "false", "read_your_writes_timeout": "60"},
    ),
}


@pytest.mark.parametrize("window", list(KILL_POINTS))
def test_a_retry_after_the_process_died_completes_exactly_once(
    own_postgres: OwnPostgres, workdir: Path, services: list[Service], window: str
) -> None:
    point = KILL_POINTS[window]
    serve = Service("serve", own_postgres.url, workdir, **point.settings)
    services.append(serve.start())
    container = open_container(own_postgres.url)
    body, key = create_body(), f"kill-{window}"
    try:
        with point.hold(container):
            post_in_background(serve, body, key)
            wait_until(
                lambda: point.reached(container, body["host"]),
                f"the request is held {window.replace('_', ' ')}",
            )
            serve.kill()
        stored_before_retry = appointments_of(container, body["host"])
        reply, seconds = retry_on_a_new_process(
            own_postgres, workdir, services, body, key
        )
        stored_after = appointments_of(container, body["host"])
    finally:
        container.close()

    print(
        f"\nkilled {window.replace('_', ' ')}: "
        f"{stored_before_retry} stored at the kill; "
        f"the retry answered {reply.status if reply else None} after {seconds:.1f}s; "
        f"{stored_after} appointment(s) stored"
    )
    assert stored_before_retry == point.stored_at_kill
    assert reply is not None
    assert reply.status == 201
    assert stored_after == 1
