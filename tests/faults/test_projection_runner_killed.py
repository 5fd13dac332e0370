"""The projection runner (``appointments worker``) killed with SIGKILL mid-load
and started again, twice: the read model ends equal to the fold of every
appointment's events, row by row; nothing applied twice, nothing skipped."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infrastructure.bootstrap import Container
from tests.faults.harness import Service
from tests.faults.load import Load, check_store, open_container, wait_for_projection
from tests.faults.postgres import OwnPostgres

pytestmark = pytest.mark.faults

LOAD_SECONDS = 20
KILLS = 2
RUNNER_SECONDS = 30


def wait_until_runner_active(container: Container) -> None:
    deadline = time.monotonic() + RUNNER_SECONDS
    while not container.projections.status()[0].runner_active:
        if time.monotonic() > deadline:
            raise AssertionError("no projection runner took the lead")
        time.sleep(0.2)


def lag(container: Container) -> int:
    return container.projections.status()[0].lag


def test_a_killed_runner_resumes_without_applying_twice_or_skipping(
    own_postgres: OwnPostgres, workdir: Path, services: list[Service]
) -> None:
    container = open_container(own_postgres.url)
    worker = Service("worker", own_postgres.url, workdir)
    serve = Service(
        "serve",
        own_postgres.url,
        workdir,
        serve_projections="false",
        read_your_writes_timeout="1",
    )
    services.extend([worker, serve])
    worker.start()
    serve.start()
    wait_until_runner_active(container)
    load = Load(base_url=lambda: serve.base_url, writers=4, max_creates=400)
    lags_at_kill: list[int] = []

    def kill_and_restart_the_runner() -> None:
        for _ in range(KILLS):
            time.sleep(4)
            lags_at_kill.append(lag(container))
            worker.kill()
            time.sleep(2)
            worker.start()
            wait_until_runner_active(container)

    try:
        load.run_for(LOAD_SECONDS, during=kill_and_restart_the_runner)
        caught_up = wait_for_projection(container)
        check = check_store(container, load.ledger)
    finally:
        container.close()

    print(
        f"\nrunner killed {KILLS} times (lag at each kill: {lags_at_kill} ids); "
        f"{len(load.ledger.creates)} creates, {len(load.ledger.updates)} updates "
        f"acknowledged; caught up {caught_up:.2f}s after the load; "
        f"{check.events} events, {check.rows_compared} rows equal their fold"
    )
    assert load.ledger.unfinished == []
    assert "500" not in load.ledger.statuses()
    assert check.findings == []
    assert check.appointments_in_store == len(load.ledger.creates)
    assert worker.alive()
