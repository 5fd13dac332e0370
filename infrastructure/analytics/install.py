"""Keeping the analytics views current at start-up, beside the read model's
tables (``bootstrap`` calls ``install_analytics`` once the view exists).

The views are recreated only when their definitions changed (the schema's
comment holds a hash of them), under the read model's DDL lock, so several
processes starting together do it once. Series written before the
``appointment_occurrences`` table existed get their occurrence rows here, under
the projection's tracking lock, so no batch of the live runner interleaves.
"""

from __future__ import annotations

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from application.errors import database_errors
from application.queries import AppointmentState
from infrastructure.advisory_locks import LOCK_UNTIL_COMMIT
from infrastructure.analytics.views import MARKER, AnalyticsViews
from infrastructure.read_model.rows import occurrence_rows
from infrastructure.read_model.view import AppointmentsView
from infrastructure.read_model.writes import OCCURRENCE_COLUMNS, ChildTable


def install_analytics(view: AppointmentsView) -> None:
    """Create or update the views when their definitions changed; only then,
    as after an upgrade, look for series without occurrence rows (the
    projection writes them for every series since), so an ordinary start-up
    reads none of the read model's rows."""
    views = AnalyticsViews(view.datastore.schema, view.tables)
    with database_errors(), view.datastore.transaction(commit=True) as curs:
        curs.execute(LOCK_UNTIL_COMMIT, (view.ddl_lock_key,))
        curs.execute(views.marker_statement())
        row = curs.fetchone()
        current = row is not None and row["marker"] == MARKER
        if not current:
            for statement in views.drop_statements() + views.create_statements():
                curs.execute(statement)
    if current:
        return
    with database_errors(), view.datastore.transaction(commit=True) as curs:
        fill_missing_occurrences(curs, view)


def fill_missing_occurrences(curs: Cursor[DictRow], view: AppointmentsView) -> int:
    """Write the occurrence rows of series that have none; how many series."""
    tables = view.tables
    missing = SQL(
        "SELECT a.id, a.version, a.document FROM {appointments} a "
        "WHERE a.is_series AND NOT EXISTS "
        "(SELECT 1 FROM {occurrences} o WHERE o.appointment_id = a.id)"
    ).format(appointments=tables.appointments, occurrences=tables.occurrences)
    curs.execute(SQL("SELECT EXISTS ({}) AS any").format(missing))
    row = curs.fetchone()
    if row is None or not row["any"]:
        return 0
    view.claim_position(curs, view.application_name)
    curs.execute(missing)
    states = [AppointmentState(r["document"], r["version"]) for r in curs.fetchall()]
    occurrences = ChildTable.of(tables.occurrences, OCCURRENCE_COLUMNS, occurrence_rows)
    occurrences.replace(curs, states, stored=())  # they have none: NOT EXISTS
    return len(states)
