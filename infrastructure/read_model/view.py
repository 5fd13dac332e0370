"""The appointments view: a materialised view with exactly-once tracking, and
the ``ReadModel`` port that retrieve and list read from."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from time import monotonic, sleep
from typing import Any

from eventsourcing.persistence import (
    IntegrityError,
    Tracking,
)
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.errors import database_errors
from application.queries import AppointmentState, ListQuery, Page, UnknownCursor
from application.service import AppointmentsApplication
from domain.appointment import Appointment
from domain.ids import parse_occurrence_id
from domain.values import Document
from infrastructure.read_model.field_order import ordered_document
from infrastructure.read_model.folding import PositionedEvent, evolve_states
from infrastructure.read_model.listing import (
    Keyset,
    detached_statement,
    list_statement,
    windowed_statement,
)
from infrastructure.read_model.occurrences import (
    Listed,
    expanded,
    first_page,
    stored,
    virtual_occurrence,
)
from infrastructure.read_model.tables import ViewTables
from infrastructure.read_model.writes import ViewWriter

TRACKING_TABLE = "appointments_tracking"

RECHECK_SECONDS = 0.5
"""How often a writer woken by local batches still reads the tracking table."""

QUICK_LOOKS = (0.002, 0.004, 0.008, 0.016, 0.032)
"""Pauses (seconds) between the first looks at the tracking table in wait_for."""

LOCK_SCHEMA_DDL = SQL("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))")
"""Serialises DDL on the read model's tables within a schema: concurrent
``CREATE TABLE IF NOT EXISTS`` can otherwise collide, and a rebuild renames."""


class AppointmentsView(PostgresTrackingRecorder):
    """One row per appointment (the API document plus typed, indexed columns)
    and child rows per attendee, reference patient and status history entry.

    Every write happens in one transaction with its tracking record, after
    locking the tracking row: whichever runner or rebuild commits first, no
    event is ever applied twice, and none is skipped (``EventOutOfSequence``).
    """

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        tracking_table_name: str = TRACKING_TABLE,
        suffix: str = "",
        secondary_indexes: bool = True,
        application_name: str = AppointmentsApplication.name,
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        self.application_name = application_name
        self.tables = ViewTables(self.datastore.schema, suffix)
        self.writer = ViewWriter(self.tables)
        self.sql_create_statements.extend(self.tables.create_table_statements())
        if secondary_indexes:
            self.sql_create_statements.extend(self.tables.create_index_statements())
        tracking = Identifier(self.datastore.schema, tracking_table_name)
        self.claim_position_statement = SQL(
            "INSERT INTO {tracking} AS t (application_name, notification_id) "
            "VALUES (%s, 0) ON CONFLICT (application_name) "
            "DO UPDATE SET notification_id = t.notification_id "
            "RETURNING notification_id"
        ).format(tracking=tracking)
        self._applied = threading.Condition()
        self._applied_position = 0
        self.projecting_here = threading.Event()
        """Set while this process's runner leads: then ``wait_for`` is woken by
        each committed batch instead of polling the tracking table."""
        self.select_one = SQL(
            "SELECT document, version FROM {table} WHERE id = %s"
        ).format(table=self.tables.appointments)
        self.select_detached = detached_statement(self.tables)
        self.select_keyset = SQL(
            "SELECT start_time, id FROM {table} WHERE id = %s"
        ).format(table=self.tables.appointments)

    @property
    def ddl_lock_key(self) -> str:
        return f"{self.datastore.schema}:appointments-read-model-ddl"

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute(LOCK_SCHEMA_DDL, (self.ddl_lock_key,))
        self._see_tables_made_meanwhile(curs)
        super()._create_table(curs)

    def _see_tables_made_meanwhile(self, curs: Cursor[DictRow]) -> None:
        """Another process may have created the tracking table (and its
        migration row) between this one's first look and taking the lock:
        the library would then insert that row again and fail."""
        curs.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS present",
            (f'"{self.datastore.schema}"."{self.tracking_table_name}"',),
        )
        row = curs.fetchone()
        if row is None or not row["present"] or self.tracking_table_exists:
            return
        migration = self._max_tracking_id(self.table_migration_identifier, curs)
        self.tracking_table_exists = True
        self.tracking_migration_previous = migration
        self.tracking_migration_current = migration

    # --- the projection's side: exactly-once writes -----------------------------

    def apply(self, events: Sequence[PositionedEvent], tracking: Tracking) -> int:
        """Apply the events not yet applied, and record ``tracking``, in one
        transaction; return the view's position afterwards."""
        with self.datastore.transaction(commit=True) as curs:
            position = self.apply_in(curs, events, tracking)
        self._announce(position)
        return position

    def _announce(self, position: int) -> None:
        """Wake this process's writers waiting for ``position`` (committed)."""
        with self._applied:
            self._applied_position = max(self._applied_position, position)
            self._applied.notify_all()

    def apply_in(
        self,
        curs: Cursor[DictRow],
        events: Sequence[PositionedEvent],
        tracking: Tracking,
    ) -> int:
        position = self.claim_position(curs, tracking.application_name)
        if tracking.notification_id <= position:
            return position
        fresh = [p.event for p in events if p.position > position]
        # Pipelined: the rows' and the tracking's statements cost one round trip.
        with curs.connection.pipeline():
            if fresh:
                self.save_events(curs, fresh)
            self._insert_tracking(curs, tracking)
        return tracking.notification_id

    def claim_position(self, curs: Cursor[DictRow], application_name: str) -> int:
        """Lock this view's tracking row until the transaction ends; its position."""
        curs.execute(self.claim_position_statement, (application_name,))
        row = curs.fetchone()
        if row is None:  # an upsert with RETURNING returns its row: never here
            raise IntegrityError(f"No tracking row for {application_name}")
        return int(row["notification_id"])

    def save_events(
        self, curs: Cursor[DictRow], events: Sequence[Appointment.Event]
    ) -> None:
        current = self.writer.load(curs, {event.originator_id for event in events})
        evolved = evolve_states(current, events)
        self.writer.save(curs, list(evolved.values()))

    def position(self) -> int:
        """The last notification id this view has processed (0 before any)."""
        with database_errors():
            return self.max_tracking_id(self.application_name) or 0

    # --- the ReadModel port --------------------------------------------------------

    def get(self, appointment_id: str) -> AppointmentState | None:
        """A stored row, or an occurrence of a series without a history of its
        own (version 0: no event has been recorded for it)."""
        with database_errors(), self.datastore.cursor() as curs:
            curs.execute(self.select_one, (appointment_id,))
            row = curs.fetchone()
            if row is None:
                occurrence = self._virtual(curs, appointment_id)
                return None if occurrence is None else AppointmentState(occurrence, 0)
        return AppointmentState(ordered_document(row["document"]), row["version"])

    def list(self, query: ListQuery) -> Page:
        """One round trip for a page (two with a cursor, three when series
        have occurrences in the window); no explicit transaction."""
        with database_errors(), self.datastore.cursor() as curs:
            after = self._keyset(curs, query.starting_after)
            if query.start_time_lt is None:
                statement, params = list_statement(self.tables, query, after)
            else:
                statement, params = windowed_statement(self.tables, query, after)
            curs.execute(statement, params)
            rows = curs.fetchall()
            entries = stored(row["document"] for row in rows if not row["series"])
            series = [row["document"] for row in rows if row["series"]]
            if series and query.start_time_lt is not None:
                window = (query.start_time_gte, query.start_time_lt)
                entries.extend(self._occurrences(curs, series, window, after, query))
        documents, has_more = first_page(entries, query.limit)
        return Page([ordered_document(d) for d in documents], has_more)

    def _occurrences(
        self,
        curs: Cursor[DictRow],
        series: Sequence[Document],
        window: tuple[int | None, int],
        after: Keyset | None,
        query: ListQuery,
    ) -> Sequence[Listed]:
        """The window's occurrences of these series that have no history."""
        curs.execute(self.select_detached, ([s["id"] for s in series],))
        detached: dict[str, set[int]] = {}
        for row in curs.fetchall():
            detached.setdefault(row["series_id"], set()).add(row["original_start_time"])
        return expanded(series, detached, window, after, query.limit + 1)

    def _virtual(self, curs: Cursor[DictRow], appointment_id: str) -> Document | None:
        parsed = parse_occurrence_id(appointment_id)
        if parsed is None:
            return None
        series_id, start = parsed
        curs.execute(self.select_one, (series_id,))
        row = curs.fetchone()
        if row is None:
            return None
        occurrence = virtual_occurrence(row["document"], start)
        return None if occurrence is None else ordered_document(occurrence)

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether the view has processed ``position`` within ``timeout``.

        When this process's runner leads, each committed batch wakes the
        waiters: no polling. Otherwise a few quick looks at the tracking table,
        then the library's ``TrackingRecorder.wait`` (its first pause is 100 ms,
        while a running projection usually applies a write within a few ms)."""
        if self.projecting_here.is_set():
            return self._wait_for_local_runner(position, timeout)
        deadline = monotonic() + timeout
        try:
            with database_errors():
                if self._reached_soon(position, deadline):
                    return True
                remaining = max(deadline - monotonic(), 0.0)
                self.wait(self.application_name, position, timeout=remaining)
        except TimeoutError:
            return False
        return True

    def _wait_for_local_runner(self, position: int, timeout: float) -> bool:
        """Woken by this process's batches; the tracking table is read once at
        first, then every ``RECHECK_SECONDS`` in case a rebuild's swap (which
        another view applies) moved the position."""
        deadline = monotonic() + timeout
        while True:
            with self._applied:
                if self._applied_position >= position:
                    return True
            with database_errors():
                if self.has_tracking_id(self.application_name, position):
                    return True
            remaining = deadline - monotonic()
            if remaining <= 0:
                return False
            with self._applied:
                if self._applied.wait_for(
                    lambda: self._applied_position >= position,
                    min(RECHECK_SECONDS, remaining),
                ):
                    return True

    def _reached_soon(self, position: int, deadline: float) -> bool:
        for pause in QUICK_LOOKS:
            if self.has_tracking_id(self.application_name, position):
                return True
            if monotonic() + pause >= deadline:
                return False
            sleep(pause)
        return False

    def _keyset(
        self, curs: Cursor[DictRow], starting_after: str | None
    ) -> Keyset | None:
        if starting_after is None:
            return None
        curs.execute(self.select_keyset, (starting_after,))
        row: dict[str, Any] | None = curs.fetchone()
        if row is not None:
            return Keyset(row["start_time"], row["id"])
        occurrence = self._virtual(curs, starting_after)
        if occurrence is None:
            raise UnknownCursor(starting_after)
        return Keyset(occurrence["start_time"], occurrence["id"])
