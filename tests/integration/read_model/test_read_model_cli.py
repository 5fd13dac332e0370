"""``appointments worker`` and ``appointments projections status|rebuild``."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg.sql import SQL, Identifier
from typer.testing import CliRunner

from api.cli import cli
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.read_model.runner import leader_key
from infrastructure.read_model.status import runner_is_active
from infrastructure.settings import load_settings
from tests.builders import a_draft
from tests.integration.read_model.dataset import seed_variety
from tests.integration.read_model.helpers import (
    assert_view_matches_events,
    head,
    table_snapshot,
    wait_until,
)

APPOINTMENTS_CLI = Path(sys.executable).parent / "appointments"


@pytest.fixture
def fresh_database(database_url: str) -> Iterator[str]:
    """A database of its own, for a CLI process that uses the default schema."""
    name = "read_model_" + uuid.uuid4().hex[:10]
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
    yield urlsplit(database_url)._replace(path="/" + name).geturl()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(name))
        )


def test_status_shows_position_head_and_lag(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    seed_variety(container.app, count=3)

    result = cli_on_test_schema.invoke(cli, ["projections", "status"])

    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "appointments" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == [
        "appointments",
        "0",
        str(head(container)),
        str(head(container)),
        "none",
    ]


def test_rebuild_swaps_in_a_view_equal_to_the_fold_of_the_events(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    seed_variety(container.app)
    before = table_snapshot(container)

    result = cli_on_test_schema.invoke(cli, ["projections", "rebuild", "appointments"])

    assert result.exit_code == 0, result.output
    assert f"rebuilt and swapped in at position {head(container)}" in result.stdout
    assert "events/s" in result.stderr
    assert before["appointments"] == []
    assert_view_matches_events(container)


def test_rebuild_of_an_unknown_projection_is_a_usage_error(
    cli_on_test_schema: CliRunner,
) -> None:
    result = cli_on_test_schema.invoke(cli, ["projections", "rebuild", "nope"])

    assert result.exit_code == 2
    assert "No projection named 'nope'" in result.stderr


def test_an_invalid_setting_is_one_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APPOINTMENTS_DATABASE_URL", "mysql://nowhere")

    result = CliRunner().invoke(cli, ["projections", "status"])

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("appointments: APPOINTMENTS_DATABASE_URL")


def test_the_worker_projects_until_sigterm_and_then_stops_cleanly(
    fresh_database: str, tmp_path: Path
) -> None:
    worker = subprocess.Popen(
        [str(APPOINTMENTS_CLI), "worker"],
        cwd=tmp_path,
        env={"APPOINTMENTS_DATABASE_URL": fresh_database, "PATH": "/usr/bin:/bin"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        key = leader_key("public", "appointments")
        assert wait_until(lambda: runner_is_active(fresh_database, key), timeout=30)
        writer = bootstrap(load_settings(database_url=fresh_database))
        try:
            written = writer.app.schedule(a_draft())
            assert writer.read_model.wait_for(written.position or 0, timeout=10)
        finally:
            writer.close()
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=20)
    finally:
        worker.kill()
    assert worker.returncode == 0
    assert stderr.strip().splitlines()[-1] == "appointments worker: stopped"
