"""``audit verify`` on an untouched store: every chain intact, exit 0."""

from __future__ import annotations

import hashlib
import struct

from psycopg.sql import SQL
from typer.testing import CliRunner

from api.cli import cli
from application.service import AppointmentsApplication
from infrastructure.audit.findings import Check
from infrastructure.audit.verify import StoreVerifier
from infrastructure.bootstrap import Container
from tests.integration.audit.helpers import (
    events_table,
    execute,
    hashes_table,
    problems,
    project,
    write_history,
)

COMPRESSING = {"COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}


def test_a_clean_store_verifies_and_exits_zero(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    for changes in (0, 3, 5):
        write_history(container.app, changes)
    project(container)

    result = cli_on_test_schema.invoke(cli, ["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "OK: 3 appointments, 11 events" in result.stdout


def test_an_empty_store_verifies(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    result = cli_on_test_schema.invoke(cli, ["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "OK: 0 appointments, 0 events" in result.stdout


def test_verify_reads_the_read_model_as_it_is_and_runs_no_projection(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    write_history(container.app)
    project(container)
    write_history(container.app)

    result = cli_on_test_schema.invoke(cli, ["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "3 events after the read model's position 3 not compared" in result.stdout
    assert container.projections.view.position() == 3


def test_every_recorded_hash_follows_the_documented_encoding(
    container: Container,
) -> None:
    """Recomputed as an auditor would, from docs/audit.md alone."""
    write_history(container.app, changes=4)
    events = container.app.recorder.select_notifications(start=1, limit=100)
    rows = execute(
        container,
        SQL("SELECT originator_version, hash FROM {} ORDER BY 1").format(
            hashes_table(container)
        ),
    )

    previous = bytes(32)
    for event, row in zip(events, rows, strict=True):
        encoding = (
            field(str(event.originator_id).encode())
            + struct.pack(">q", event.originator_version)
            + field(event.topic.encode())
            + field(event.state)
        )
        previous = hashlib.sha256(previous + encoding).digest()
        assert row["originator_version"] == event.originator_version
        assert bytes(row["hash"]) == previous


def field(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


def test_the_chain_covers_the_stored_bytes_whatever_the_mapper_made_of_them(
    container: Container,
) -> None:
    """Compressed here; encrypted at rest later: the chain needs no key."""
    compressing = AppointmentsApplication({**container.env, **COMPRESSING})
    try:
        appointment_id = write_history(compressing, changes=2)
        verifier = StoreVerifier(compressing, container.projections.view)
        assert verifier.verify().ok
        execute(
            container,
            SQL(
                "UPDATE {} SET state = state || '\\x00'::bytea "
                "WHERE originator_id = %s AND originator_version = 2"
            ).format(events_table(container)),
            appointment_id,
        )

        assert (appointment_id, 2, Check.HASH_MISMATCH) in problems(verifier.verify())
    finally:
        compressing.close()
