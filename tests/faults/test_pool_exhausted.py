"""Every table locked by a long transaction, so each statement waits and
holds its pooled connection: requests fail fast with ``503`` (the statement
timeout cancels a waiting statement, the pool timeout refuses a request that
finds no free connection); none queues for ever; afterwards all is well."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.faults.harness import Reply, Service, create_body, send
from tests.faults.postgres import OwnPostgres

pytestmark = pytest.mark.faults

POOL_SIZE = 2
POOL_TIMEOUT = 1.0
STATEMENT_TIMEOUT = 2.0
SLACK_SECONDS = 3.0
CLIENTS = 12
ROUNDS = 3


@contextmanager
def every_table_locked(url: str) -> Iterator[None]:
    with psycopg.connect(url) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        tables = sql.SQL(", ").join(sql.Identifier(n) for n in names)
        conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(tables))
        yield
        conn.rollback()


def one_request(serve: Service, index: int, appointment_id: str) -> Reply:
    with serve.client() as client:
        if index % 2:
            return send(client, "GET", f"/v1/appointments/{appointment_id}")
        return send(client, "POST", "/v1/appointments", create_body())


def test_slow_statements_make_requests_fail_fast_not_queue(
    own_postgres: OwnPostgres, workdir: Path, services: list[Service]
) -> None:
    serve = Service(
        "serve",
        own_postgres.url,
        workdir,
        database_pool_size=str(POOL_SIZE),
        database_pool_timeout=str(POOL_TIMEOUT),
        database_statement_timeout=str(STATEMENT_TIMEOUT),
    )
    services.append(serve.start())
    with serve.client() as client:
        created = send(client, "POST", "/v1/appointments", create_body())
    assert created.status == 201
    appointment_id = created.body["id"]

    replies: list[Reply] = []
    with every_table_locked(own_postgres.url), ThreadPoolExecutor(CLIENTS) as pool:
        for _ in range(ROUNDS):
            replies += pool.map(
                lambda i: one_request(serve, i, appointment_id), range(CLIENTS)
            )
    with serve.client() as client:
        after = send(client, "GET", f"/v1/appointments/{appointment_id}")
        healthy = send(client, "GET", "/healthz")

    slowest = max(r.seconds for r in replies)
    statuses = sorted({str(r.status) for r in replies})
    print(
        f"\n{len(replies)} requests with every table locked (pool {POOL_SIZE}, "
        f"pool timeout {POOL_TIMEOUT}s, statement timeout {STATEMENT_TIMEOUT}s): "
        f"statuses {statuses}, slowest {slowest:.2f}s; afterwards {after.status}"
    )
    for reply in replies:
        assert reply.status == 503, reply
        assert reply.code == "database_unavailable", reply
        assert reply.headers.get("retry-after"), reply
        assert reply.seconds <= STATEMENT_TIMEOUT + POOL_TIMEOUT + SLACK_SECONDS, reply
    assert after.status == 200
    assert healthy.status == 200
