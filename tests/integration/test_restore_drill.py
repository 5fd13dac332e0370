"""The restore drill of docs/operations.md, as an operator runs it: pg_dump of
the event store (read-model data left out), pg_restore into a fresh database,
``appointments projections rebuild``, ``appointments audit verify`` clean, and
every appointment identical to the original's."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import load_settings
from tests.builders import a_draft

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pgserver._commands import POSTGRES_BIN_PATH

APPOINTMENTS = Path(sys.executable).with_name("appointments")
READ_MODEL_TABLES = (
    "appointments",
    "appointment_attendees",
    "appointment_reference_patients",
    "appointment_status_history",
    "appointments_tracking",
)
"""The read model: its data is rebuilt from the events, so not backed up."""
APPOINTMENTS_MADE = 12


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[Callable[[], str]]:
    made: list[str] = []

    def make() -> str:
        name = "drill_" + uuid.uuid4().hex[:12]
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return urlunsplit(urlsplit(database_url)._replace(path="/" + name))

    yield make
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name in made:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def some_history(container: Container) -> list[str]:
    app = container.app
    ids = []
    for index in range(APPOINTMENTS_MADE):
        written = app.schedule(a_draft(host=f"host_{index}", name=f"Visit {index}"))
        ids.append(written.document["id"])
        app.update(ids[-1], changed_by="drill", changes={"description": f"n{index}"})
        if index % 3 == 0:
            app.change_status(ids[-1], status="confirmed", changed_by="drill")
    return ids


def tool(program: str, *args: str) -> None:
    subprocess.run([str(POSTGRES_BIN_PATH / program), *args], check=True, timeout=120)


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APPOINTMENTS_DATABASE_URL": url}
    return subprocess.run(
        [str(APPOINTMENTS), *args], env=env, capture_output=True, text=True, timeout=300
    )


def documents(container: Container, ids: list[str]) -> dict[str, dict[str, object]]:
    rows = {each: container.read_model.get(each) for each in ids}
    return {each: row.document for each, row in rows.items() if row is not None}


def test_a_dump_restored_and_rebuilt_is_the_same_store(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    source_url, target_url = fresh_database(), fresh_database()
    source = bootstrap(load_settings(database_url=source_url))
    source.start_projections()
    try:
        ids = some_history(source)
        assert source.read_model.wait_for(source.app.head_position(), timeout=30)
        original = documents(source, ids)
    finally:
        source.close()
    backup = tmp_path / "appointments.dump"
    excluded = [f"--exclude-table-data={table}" for table in READ_MODEL_TABLES]
    tool("pg_dump", "--format=custom", f"--file={backup}", *excluded, source_url)

    tool("pg_restore", "--no-owner", f"--dbname={target_url}", str(backup))
    rebuilt = cli(target_url, "projections", "rebuild")
    verified = cli(target_url, "audit", "verify")

    print(f"\nbackup {backup.stat().st_size} bytes; rebuild: {rebuilt.stdout.strip()}")
    print(f"verify: {verified.stdout.strip().splitlines()[-1:]}")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    target = bootstrap(load_settings(database_url=target_url))
    try:
        restored = documents(target, ids)
    finally:
        target.close()
    assert len(original) == APPOINTMENTS_MADE
    assert restored == original
