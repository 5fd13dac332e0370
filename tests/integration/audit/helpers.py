"""What the audit tests share: a store with history, projected; tampering
done in SQL, below the application; and running ``audit verify``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from psycopg.sql import SQL, Composable, Identifier

from application.service import AppointmentsApplication
from infrastructure.audit.findings import Check, VerifyReport
from infrastructure.audit.verify import StoreVerifier
from infrastructure.bootstrap import Container
from infrastructure.recorder import AppointmentsRecorder
from tests.builders import a_draft


def write_history(app: AppointmentsApplication, changes: int = 2) -> str:
    """An appointment at version ``changes + 1``: created, then renamed."""
    appointment_id: str = app.schedule(a_draft()).document["id"]
    for number in range(changes):
        app.update(
            appointment_id, changed_by="user_editor", changes={"name": f"Name {number}"}
        )
    return appointment_id


def project(container: Container) -> int:
    """Bring the read model up to the head, here and now."""
    return container.projections.worker.catch_up()


def verify(container: Container) -> VerifyReport:
    return StoreVerifier(
        container.app, container.projections.view, batch_size=2
    ).verify()


def problems(report: VerifyReport) -> set[tuple[str, int, Check]]:
    return {(f.appointment_id, f.version, f.check) for f in report.findings}


# --- tampering, as someone with write access to the database ----------------------


def recorder(container: Container) -> AppointmentsRecorder:
    store = container.app.recorder
    assert isinstance(store, AppointmentsRecorder)
    return store


def events_table(container: Container) -> Identifier:
    chain = recorder(container).hash_chain
    return chain.qualified(chain.events_table)


def hashes_table(container: Container) -> Identifier:
    chain = recorder(container).hash_chain
    return chain.qualified(chain.hashes_table)


def execute(container: Container, statement: Composable, *params: Any) -> list[Any]:
    with recorder(container).datastore.transaction(commit=True) as curs:
        curs.execute(statement, params)
        return list(curs.fetchall()) if curs.description else []


def rewrite_state(
    container: Container,
    appointment_id: str,
    version: int,
    edit: Callable[[dict[str, Any]], None],
) -> None:
    """Change one stored event's JSON payload in place."""
    where = SQL("WHERE originator_id = %s AND originator_version = %s")
    table = events_table(container)
    [row] = execute(
        container,
        SQL("SELECT state FROM {} ").format(table) + where,
        appointment_id,
        version,
    )
    state = json.loads(bytes(row["state"]))
    edit(state)
    execute(
        container,
        SQL("UPDATE {} SET state = %s ").format(table) + where,
        json.dumps(state).encode(),
        appointment_id,
        version,
    )


def delete_event(container: Container, appointment_id: str, version: int) -> None:
    execute(
        container,
        SQL(
            "DELETE FROM {} WHERE originator_id = %s AND originator_version = %s"
        ).format(events_table(container)),
        appointment_id,
        version,
    )


def delete_hash(container: Container, appointment_id: str, version: int) -> None:
    execute(
        container,
        SQL(
            "DELETE FROM {} WHERE originator_id = %s AND originator_version = %s"
        ).format(hashes_table(container)),
        appointment_id,
        version,
    )
