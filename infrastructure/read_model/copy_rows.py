"""The read model's rows as ``COPY ... FROM STDIN`` text, for a rebuild's
bulk load into its fresh tables.

The rows are those the projection writes (``rows.py``); each table's text is
made where the states are folded (a worker process), so the writer only
forwards it. Text format: fields separated by tabs, ``\\N`` for null,
``t``/``f`` for booleans, and backslash, newline, carriage return and tab
escaped with a backslash (PostgreSQL's ``COPY`` documentation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from psycopg.sql import SQL, Composed, Identifier

from application.queries import AppointmentState
from infrastructure.read_model.rows import (
    Row,
    appointment_row,
    attendee_rows,
    occurrence_rows,
    patient_rows,
    status_history_rows,
)
from infrastructure.read_model.tables import (
    APPOINTMENTS,
    ATTENDEES,
    OCCURRENCES,
    PATIENTS,
    STATUS_HISTORY,
    ViewTables,
)
from infrastructure.read_model.writes import (
    APPOINTMENT_COLUMNS,
    ATTENDEE_COLUMNS,
    OCCURRENCE_COLUMNS,
    PATIENT_COLUMNS,
    STATUS_HISTORY_COLUMNS,
    Columns,
)


class RowSet(NamedTuple):
    """One table's rows of each appointment."""

    table: str
    columns: Columns
    rows_of: Callable[[AppointmentState], list[Row]]


ROW_SETS = (
    RowSet(APPOINTMENTS, APPOINTMENT_COLUMNS, lambda state: [appointment_row(state)]),
    RowSet(ATTENDEES, ATTENDEE_COLUMNS, attendee_rows),
    RowSet(PATIENTS, PATIENT_COLUMNS, patient_rows),
    RowSet(STATUS_HISTORY, STATUS_HISTORY_COLUMNS, status_history_rows),
    RowSet(OCCURRENCES, OCCURRENCE_COLUMNS, occurrence_rows),
)


def copy_statements(tables: ViewTables) -> list[Composed]:
    """``COPY ... FROM STDIN`` into each table of ``ROW_SETS``, in its order."""
    return [
        SQL("COPY {table} ({names}) FROM STDIN").format(
            table=tables.identifier(row_set.table),
            names=SQL(", ").join(Identifier(name) for name, _ in row_set.columns),
        )
        for row_set in ROW_SETS
    ]


def copy_texts(states: Iterable[AppointmentState]) -> list[str]:
    """The states' rows as ``COPY`` text, one text per table of ``ROW_SETS``."""
    lines: list[list[str]] = [[] for _ in ROW_SETS]
    for state in states:
        for row_set, table_lines in zip(ROW_SETS, lines, strict=True):
            table_lines.extend(copy_line(row) for row in row_set.rows_of(state))
    return ["".join(table_lines) for table_lines in lines]


def copy_line(row: Row) -> str:
    return "\t".join([copy_field(value) for value in row]) + "\n"


def copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
