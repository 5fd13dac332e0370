"""A fresh database for each run, on the first server that answers.

In order: ``--database-url``, ``APPOINTMENTS_BENCH_DATABASE_URL``, the
machine's PostgreSQL (``postgresql://root@127.0.0.1:5432/test``), and an
embedded ``pgserver`` kept in ``bench/results/pgserver``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

BENCH_DATABASE_URL = "APPOINTMENTS_BENCH_DATABASE_URL"
MACHINE_POSTGRES = "postgresql://root@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 3


def with_database(url: str, dbname: str) -> str:
    """``url`` naming database ``dbname`` instead of its own."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def redacted(url: str) -> str:
    """``url`` without its password, for reports."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            conn.execute("SELECT 1")
    except (psycopg.Error, ValueError):
        return False
    return True


def choose_server(explicit: str | None, embedded_dir: Path) -> str:
    """The URL of the first reachable server (see the module's docstring)."""
    candidates = [explicit, os.environ.get(BENCH_DATABASE_URL), MACHINE_POSTGRES]
    for url in candidates:
        if url and reachable(url):
            return url
    from infrastructure.embedded import start_embedded

    return start_embedded(embedded_dir)


@contextmanager
def fresh_database(server_url: str, *, keep: bool = False) -> Iterator[str]:
    """Create a new, empty database on the server; drop it afterwards."""
    name = f"bench_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
    identifier = sql.Identifier(name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        yield with_database(server_url, name)
    finally:
        if not keep:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        identifier
                    )
                )


SETTLE_SECONDS = 60.0
AUTOVACUUM_WORKERS = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE backend_type = 'autovacuum worker' AND datname = current_database()"
)


def settle(url: str, timeout: float = SETTLE_SECONDS) -> float:
    """Bring the database to rest before a round: a ``CHECKPOINT`` (skipped
    without the privilege), then wait (up to ``timeout``) until no autovacuum
    worker runs in it. The creates of one round otherwise leave their
    vacuum, analyze and dirty buffers to the first phases of the next, which
    are the service's in every other round. The seconds it took."""
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        with suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CHECKPOINT")
        while time.monotonic() - started < timeout:
            row = conn.execute(AUTOVACUUM_WORKERS).fetchone()
            if row is None or row[0] == 0:
                break
            time.sleep(0.5)
    return time.monotonic() - started
