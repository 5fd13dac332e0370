"""Loading and saving appointment states in one set of the read model's tables.

Each save writes the whole batch with one statement per table: ``unnest`` of
column arrays, so a batch of a thousand events costs a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from application.queries import AppointmentState
from infrastructure.read_model.rows import (
    Row,
    appointment_row,
    attendee_rows,
    columns,
    occurrence_rows,
    patient_rows,
    status_history_rows,
)
from infrastructure.read_model.tables import ViewTables
from infrastructure.sql_text import rendered

Columns = tuple[tuple[str, str], ...]
"""Each column's name and its PostgreSQL type."""

APPOINTMENT_COLUMNS: Columns = (
    ("id", "text"),
    ("version", "bigint"),
    ("document", "jsonb"),
    ("host", "text"),
    ("status", "text"),
    ("interaction_type", "text"),
    ("internal", "boolean"),
    ("group", "boolean"),
    ("appointment_type", "text"),
    ("start_time", "bigint"),
    ("end_time", "bigint"),
    ("created_at", "bigint"),
    ("last_updated_at", "bigint"),
    ("is_series", "boolean"),
    ("series_last_end", "bigint"),
    ("series_id", "text"),
    ("original_start_time", "bigint"),
    ("metadata", "jsonb"),
    ("document_json", "text"),
)
ATTENDEE_COLUMNS: Columns = (
    ("appointment_id", "text"),
    ("attendee_id", "text"),
    ("position", "integer"),
    ("attendance_status", "text"),
    ("no_show", "boolean"),
    ("payment_status", "text"),
    ("last_updated_at", "bigint"),
    ("start_time", "bigint"),
)
PATIENT_COLUMNS: Columns = (
    ("appointment_id", "text"),
    ("patient_id", "text"),
    ("position", "integer"),
    ("start_time", "bigint"),
)
STATUS_HISTORY_COLUMNS: Columns = (
    ("appointment_id", "text"),
    ("position", "integer"),
    ("status", "text"),
    ("changed_by", "text"),
    ("changed_at", "bigint"),
    ("reason", "text"),
)

OCCURRENCE_COLUMNS: Columns = (
    ("appointment_id", "text"),
    ("start_time", "bigint"),
    ("end_time", "bigint"),
)


def insert_from_arrays(table: Identifier, cols: Columns) -> Composed:
    names = SQL(", ").join(Identifier(name) for name, _ in cols)
    arrays = SQL(", ").join(SQL("%b::" + sql_type + "[]") for _, sql_type in cols)
    return SQL(
        "INSERT INTO {table} ({names}) "
        "SELECT {names} FROM unnest({arrays}) AS u ({names})"
    ).format(table=table, names=names, arrays=arrays)


def upsert_from_arrays(table: Identifier, cols: Columns) -> Composed:
    updates = SQL(", ").join(
        SQL("{name} = EXCLUDED.{name}").format(name=Identifier(name))
        for name, _ in cols[1:]
    )
    return insert_from_arrays(table, cols) + SQL(
        " ON CONFLICT ({key}) DO UPDATE SET {updates}"
    ).format(key=Identifier(cols[0][0]), updates=updates)


@dataclass(frozen=True)
class ChildTable:
    """A table of rows derived from each appointment, replaced on every change."""

    delete: bytes
    insert: bytes
    width: int
    rows_of: Callable[[AppointmentState], list[Row]]

    @classmethod
    def of(
        cls,
        table: Identifier,
        cols: Columns,
        rows_of: Callable[[AppointmentState], list[Row]],
    ) -> ChildTable:
        delete = SQL("DELETE FROM {table} WHERE appointment_id = ANY(%s::text[])")
        return cls(
            rendered(delete.format(table=table)),
            rendered(insert_from_arrays(table, cols)),
            len(cols),
            rows_of,
        )

    def replace(
        self,
        curs: Cursor[DictRow],
        states: Sequence[AppointmentState],
        stored: Collection[str],
    ) -> None:
        """Delete the child rows of the ``stored`` appointments (the others
        are new and have none), then insert every state's."""
        if stored:
            curs.execute(self.delete, (list(stored),))
        rows = [row for state in states for row in self.rows_of(state)]
        if rows:
            curs.execute(self.insert, columns(rows, self.width))


class ViewWriter:
    """The statements that load and save states in one set of tables."""

    def __init__(self, tables: ViewTables) -> None:
        self.select_states = rendered(
            SQL(
                "SELECT id, version, document FROM {table} WHERE id = ANY(%s::text[])"
            ).format(table=tables.appointments)
        )
        self.upsert_appointments = rendered(
            upsert_from_arrays(tables.appointments, APPOINTMENT_COLUMNS)
        )
        self.children = (
            ChildTable.of(tables.attendees, ATTENDEE_COLUMNS, attendee_rows),
            ChildTable.of(tables.patients, PATIENT_COLUMNS, patient_rows),
            ChildTable.of(
                tables.status_history, STATUS_HISTORY_COLUMNS, status_history_rows
            ),
            ChildTable.of(tables.occurrences, OCCURRENCE_COLUMNS, occurrence_rows),
        )

    def load(
        self, curs: Cursor[DictRow], appointment_ids: Collection[str]
    ) -> dict[str, AppointmentState]:
        if not appointment_ids:
            return {}
        curs.execute(self.select_states, (list(appointment_ids),))
        return {
            row["id"]: AppointmentState(row["document"], row["version"])
            for row in curs.fetchall()
        }

    def save(
        self,
        curs: Cursor[DictRow],
        states: Sequence[AppointmentState],
        stored: Collection[str],
    ) -> None:
        """Write each state's row, and replace its child rows; ``stored`` names
        those of them that have rows already (the others are new)."""
        rows = [appointment_row(state) for state in states]
        curs.execute(self.upsert_appointments, columns(rows, len(APPOINTMENT_COLUMNS)))
        for child in self.children:
            child.replace(curs, states, stored)
