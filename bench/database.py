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
from contextlib import contextmanager
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
