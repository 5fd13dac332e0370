"""PostgreSQL stopped and started again under a create/update load against a
real ``appointments serve``: while it is down every request is a prompt
``503 database_unavailable`` with ``Retry-After``; once it is back the same
process serves again; every acknowledged write is stored once and projected."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.faults.harness import Reply, Service, create_body, send
from tests.faults.load import (
    Load,
    check_store,
    open_container,
    wait_for_projection,
)
from tests.faults.postgres import OwnPostgres

pytestmark = pytest.mark.faults

CONNECT_TIMEOUT = 2
SLACK_SECONDS = 3.0
"""Scheduling slack on this shared machine."""
DOWN_REPLY_SECONDS = 2 * CONNECT_TIMEOUT + SLACK_SECONDS
"""A keyed write may meet the timeout twice (its key's claim, then the
release of its key after the failed write): never a hang."""
LOAD_SECONDS = 25
UP_BEFORE_STOP = 5
DOWN_SECONDS = 6
RECOVERY_SECONDS = 30


def probe_while_down(serve: Service, until: float) -> tuple[list[Reply], list[str]]:
    """Creates (each with a key of its own) and lists, sent while it is down."""
    replies, keys = [], []
    with serve.client() as client:
        while time.monotonic() < until:
            key = "p-" + uuid.uuid4().hex
            keys.append(key)
            replies.append(
                send(
                    client,
                    "POST",
                    "/v1/appointments",
                    create_body(),
                    idempotency_key=key,
                )
            )
            replies.append(send(client, "GET", "/v1/appointments"))
    return replies, keys


def first_success_after(serve: Service, started: float) -> float:
    with serve.client() as client:
        while time.monotonic() < started + RECOVERY_SECONDS:
            reply = send(client, "GET", "/v1/appointments?limit=1")
            if reply.status == 200:
                return time.monotonic() - started
            time.sleep(0.2)
    raise AssertionError("the service did not recover without a restart")


def test_a_database_restart_is_503_then_recovered_with_nothing_lost(
    own_postgres: OwnPostgres, workdir, services: list[Service]
) -> None:
    serve = Service(
        "serve",
        own_postgres.url,
        workdir,
        database_connect_timeout=str(CONNECT_TIMEOUT),
        read_your_writes_timeout="2",
    )
    services.append(serve.start())
    pid = serve.pid
    load = Load(base_url=lambda: serve.base_url, writers=4, max_creates=300)
    seen: dict[str, object] = {}

    def restart_the_database() -> None:
        time.sleep(UP_BEFORE_STOP)
        own_postgres.stop("fast")
        down_at = time.monotonic()
        seen["probes"], seen["probe_keys"] = probe_while_down(
            serve, down_at + DOWN_SECONDS
        )
        up_at = time.monotonic()
        own_postgres.start()
        seen["recovered_after"] = first_success_after(serve, up_at)
        seen["window"] = (down_at, up_at)

    load.run_for(LOAD_SECONDS, during=restart_the_database)

    probes: list[Reply] = seen["probes"]  # type: ignore[assignment]
    down_at, up_at = seen["window"]  # type: ignore[misc]
    during = [
        a.reply
        for a in load.ledger.attempts
        if a.sent_at >= down_at and a.sent_at + a.reply.seconds <= up_at
    ] + probes
    slowest = max(r.seconds for r in during)
    print(
        f"\nwhile down ({DOWN_SECONDS}s): {len(during)} replies, "
        f"statuses {sorted({r.status for r in during}, key=str)}, "
        f"slowest {slowest:.2f}s (connect timeout {CONNECT_TIMEOUT}s); "
        f"recovered {seen['recovered_after']:.2f}s after the restart"
    )
    assert during
    for reply in during:
        assert reply.status == 503, reply
        assert reply.code == "database_unavailable", reply
        assert reply.headers.get("retry-after"), reply
        assert reply.seconds <= DOWN_REPLY_SECONDS, reply
    assert serve.alive()
    assert serve.pid == pid

    with serve.client() as client:
        for key in seen["probe_keys"]:  # type: ignore[attr-defined]
            reply = load.until_done(
                client, "POST", "/v1/appointments", create_body(), key
            )
            assert reply is not None
            load.ledger.creates[key] = str(reply.body["id"])
    ledger = load.ledger
    statuses = ledger.statuses()
    print(
        f"writes acknowledged: {len(ledger.creates)} creates, "
        f"{len(ledger.updates)} updates; attempts by status {statuses}"
    )
    assert "500" not in statuses
    assert ledger.unfinished == []

    container = open_container(own_postgres.url)
    try:
        caught_up = wait_for_projection(container)
        check = check_store(container, ledger)
    finally:
        container.close()
    print(
        f"store: {check.appointments_in_store} appointments, {check.events} "
        f"events; read model caught up in {caught_up:.2f}s; "
        f"{check.rows_compared} rows equal their fold"
    )
    assert check.findings == []
    assert len(set(ledger.creates.values())) == len(ledger.creates)
    assert check.appointments_in_store == len(ledger.creates)
