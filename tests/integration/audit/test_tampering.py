"""Edits made directly in the database are caught by ``audit verify`` and
named with the right appointment and version; other appointments stay clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from psycopg.sql import SQL
from typer.testing import CliRunner

from api.cli import cli
from infrastructure.audit.findings import Check
from infrastructure.bootstrap import Container
from tests.integration.audit.helpers import (
    delete_event,
    delete_hash,
    events_table,
    execute,
    hashes_table,
    problems,
    project,
    rewrite_state,
    verify,
    write_history,
)


@pytest.fixture
def victim(container: Container) -> Iterator[str]:
    """The middle one of three appointments at version 4, all projected."""
    bystander = write_history(container.app, changes=3)
    appointment_id = write_history(container.app, changes=3)
    write_history(container.app, changes=3)
    project(container)
    assert verify(container).ok
    yield appointment_id
    report = verify(container)
    assert bystander not in {f.appointment_id for f in report.findings}


def forge_name(state: dict[str, Any]) -> None:
    state["fields"]["name"] = "Forged"


def test_an_altered_payload_is_named_by_appointment_and_version(
    container: Container, victim: str
) -> None:
    rewrite_state(container, victim, 2, forge_name)

    # v3 renamed it again, so the read model (at v4) still matches the fold
    assert problems(verify(container)) == {(victim, 2, Check.HASH_MISMATCH)}


def test_an_altered_payload_that_still_shows_is_also_a_read_model_mismatch(
    container: Container, victim: str
) -> None:
    rewrite_state(container, victim, 4, forge_name)

    report = verify(container)

    assert problems(report) == {
        (victim, 4, Check.HASH_MISMATCH),
        (victim, 4, Check.READ_MODEL),
    }
    [read_model] = [f for f in report.findings if f.check is Check.READ_MODEL]
    assert "name" in read_model.detail


def test_an_undecodable_payload_is_named(container: Container, victim: str) -> None:
    execute(
        container,
        SQL(
            "UPDATE {} SET state = 'not json'::bytea "
            "WHERE originator_id = %s AND originator_version = 3"
        ).format(events_table(container)),
        victim,
    )

    assert problems(verify(container)) == {
        (victim, 3, Check.HASH_MISMATCH),
        (victim, 3, Check.UNDECODABLE),
    }


def test_a_deleted_event_is_named(container: Container, victim: str) -> None:
    delete_event(container, victim, 2)

    assert (victim, 2, Check.EVENT_DELETED) in problems(verify(container))


def test_a_deleted_event_and_its_hash_leave_a_gap_and_a_broken_chain(
    container: Container, victim: str
) -> None:
    delete_event(container, victim, 2)
    delete_hash(container, victim, 2)

    found = problems(verify(container))

    assert (victim, 2, Check.VERSION_MISSING) in found
    assert (victim, 3, Check.CHAIN_BROKEN) in found


def test_a_deleted_latest_event_is_named_though_no_gap_shows(
    container: Container, victim: str
) -> None:
    delete_event(container, victim, 4)

    assert problems(verify(container)) == {
        (victim, 4, Check.EVENT_DELETED),
        (victim, 4, Check.READ_MODEL),
    }


def test_a_rewritten_hash_is_named_with_the_link_after_it(
    container: Container, victim: str
) -> None:
    execute(
        container,
        SQL(
            "UPDATE {} SET hash = sha256(hash) "
            "WHERE originator_id = %s AND originator_version = 2"
        ).format(hashes_table(container)),
        victim,
    )

    assert problems(verify(container)) == {
        (victim, 2, Check.HASH_MISMATCH),
        (victim, 3, Check.HASH_MISMATCH),
    }


def test_two_swapped_payloads_are_both_named(container: Container, victim: str) -> None:
    execute(
        container,
        SQL(
            "UPDATE {events} AS e SET state = o.state FROM {events} AS o "
            "WHERE e.originator_id = %s AND o.originator_id = e.originator_id "
            "AND e.originator_version IN (2, 3) "
            "AND o.originator_version = 5 - e.originator_version"
        ).format(events=events_table(container)),
        victim,
    )

    found = problems(verify(container))

    assert {(victim, 2, Check.HASH_MISMATCH), (victim, 3, Check.HASH_MISMATCH)} <= found
    assert {f[0] for f in found} == {victim}


def test_two_swapped_versions_are_named_and_out_of_order(
    container: Container, victim: str
) -> None:
    swap = SQL(
        "UPDATE {} SET originator_version = %s "
        "WHERE originator_id = %s AND originator_version = %s"
    ).format(events_table(container))
    for old, new in ((2, -2), (3, 2), (-2, 3)):
        execute(container, swap, new, victim, old)

    found = problems(verify(container))

    assert {
        (victim, 2, Check.HASH_MISMATCH),
        (victim, 3, Check.HASH_MISMATCH),
        (victim, 3, Check.OUT_OF_ORDER),
    } <= found


def test_a_read_model_row_edited_by_hand_is_named(
    container: Container, victim: str
) -> None:
    execute(
        container,
        SQL(
            "UPDATE {} SET document = jsonb_set(document, '{{name}}', '\"Forged\"') "
            "WHERE id = %s"
        ).format(container.projections.view.tables.appointments),
        victim,
    )

    report = verify(container)

    assert problems(report) == {(victim, 4, Check.READ_MODEL)}
    assert "name" in report.findings[0].detail


def test_a_read_model_version_edited_by_hand_is_named(
    container: Container, victim: str
) -> None:
    execute(
        container,
        SQL("UPDATE {} SET version = 2 WHERE id = %s").format(
            container.projections.view.tables.appointments
        ),
        victim,
    )

    assert problems(verify(container)) == {(victim, 2, Check.READ_MODEL)}


def test_the_cli_prints_each_problem_and_exits_one(
    cli_on_test_schema: CliRunner, container: Container, victim: str
) -> None:
    rewrite_state(container, victim, 3, forge_name)

    result = cli_on_test_schema.invoke(cli, ["audit", "verify"])

    assert result.exit_code == 1, result.output
    assert victim in result.stdout
    assert "hash mismatch" in result.stdout
    assert "FAILED: 1 problem in 1 of 3 appointments, 12 events" in result.stdout
