"""The appointments view: the projection's side of the read model. Its tables,
the exactly-once apply of each batch with its tracking record, and the
position reached. Readers use ``PostgresReadModel`` (``reader.py``)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.errors import database_errors
from application.queries import AppointmentState
from application.service import AppointmentsApplication
from domain.appointment import Appointment
from infrastructure.advisory_locks import LOCK_UNTIL_COMMIT
from infrastructure.read_model.body_cache import BodyCache
from infrastructure.read_model.commits import CommittedPositions
from infrastructure.read_model.folding import PositionedEvent, evolve_states
from infrastructure.read_model.invalidation import (
    NOTIFY,
    changed_payloads,
    channel_of,
)
from infrastructure.read_model.tables import ViewTables
from infrastructure.read_model.writes import ViewWriter
from infrastructure.sql_text import rendered

TRACKING_TABLE = "appointments_tracking"


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
        indexes: bool = True,
        application_name: str = AppointmentsApplication.name,
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        self.application_name = application_name
        self.tables = ViewTables(self.datastore.schema, suffix)
        self.writer = ViewWriter(self.tables)
        self.sql_create_statements.extend(
            self.tables.create_table_statements(primary_keys=indexes)
        )
        if indexes:
            self.sql_create_statements.extend(self.tables.create_index_statements())
        tracking = Identifier(self.datastore.schema, tracking_table_name)
        self.claim_position_statement = rendered(
            SQL(
                "INSERT INTO {tracking} AS t (application_name, notification_id) "
                "VALUES (%s, 0) ON CONFLICT (application_name) "
                "DO UPDATE SET notification_id = t.notification_id "
                "RETURNING notification_id"
            ).format(tracking=tracking)
        )
        self.advance_position_statement = rendered(
            SQL(
                "WITH moved AS (UPDATE {tracking} SET notification_id = %(position)s "
                "WHERE application_name = %(name)s AND notification_id < %(position)s "
                "RETURNING 1) SELECT 1 / (SELECT count(*) FROM moved)::int"
            ).format(tracking=tracking)
        )
        """Move the claimed tracking row on, with no result to wait for: had it
        not moved (never, under the claim's lock and check) the division by
        zero aborts the transaction, so the batch's rows are not committed."""

        self.committed = CommittedPositions()
        """Told of each committed batch: this process's, and (while the cache
        listener hears them) every other process's."""
        self.projecting_here = threading.Event()
        """Set while this process's runner leads: then ``committed`` hears of
        each of its batches, and ``bodies`` is invalidated by them."""
        self.bodies = BodyCache()
        """Retrieve's response bodies (``infrastructure/read_model/retrieve.py``)."""
        self.channel = channel_of(self.datastore.schema)
        """Each batch's ``NOTIFY``: the ids it changed, for other processes' caches."""
        self.origin = uuid.uuid4().hex
        """Names this process in its notifications, so it skips its own."""

    def lead(self) -> None:
        """This process's runner leads from now on: the bodies cached while
        another process's runner wrote are forgotten."""
        self.bodies.clear()
        self.projecting_here.set()

    def step_down(self) -> None:
        self.projecting_here.clear()

    @property
    def ddl_lock_key(self) -> str:
        """Serialises DDL on the read model's tables within a schema: concurrent
        ``CREATE TABLE IF NOT EXISTS`` can otherwise collide, and a rebuild renames."""
        return f"{self.datastore.schema}:appointments-read-model-ddl"

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute(LOCK_UNTIL_COMMIT, (self.ddl_lock_key,))
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

    def apply(self, events: Sequence[PositionedEvent], tracking: Tracking) -> int:
        """Apply the events not yet applied, and record ``tracking``, in one
        transaction; return the view's position afterwards.

        The transaction is one pipeline: two round trips for a batch (the
        claim, with the rows it changes; then the writes, the tracking and
        the ``COMMIT``), three when a swap or another runner did part of it."""
        changed = {p.event.originator_id for p in events}
        self.bodies.begin(changed)
        try:
            with (
                self.datastore.get_connection() as conn,
                conn.pipeline(),
                conn.transaction(),
            ):
                position = self.apply_in(conn.cursor(), events, tracking)
            # Here the pipeline is synced: the COMMIT has succeeded.
        finally:
            self.bodies.end(changed)
        self.committed.announce(position)
        return position

    def apply_in(
        self,
        curs: Cursor[DictRow],
        events: Sequence[PositionedEvent],
        tracking: Tracking,
    ) -> int:
        """Apply ``events`` in ``curs``'s transaction, in pipeline mode (the
        caller's): nothing here waits for a result but the claim."""
        batch = [p.event for p in events]
        # Lock the tracking row, then (in the same transaction, so after the
        # lock) read the rows the batch changes: one round trip.
        claimed = self._start_claim(curs, tracking.application_name)
        current = self.writer.load(claimed.connection.cursor(), rows_to_load(batch))
        position = self._claimed_position(claimed)
        if tracking.notification_id <= position:
            return position
        fresh = [p.event for p in events if p.position > position]
        if len(fresh) < len(batch):  # another runner or a swap did part of it
            current = self.writer.load(curs, rows_to_load(fresh))
        if fresh:
            self.save_events(curs, fresh, current)
            # Only a batch that changes rows is announced: a rebuild records
            # its fresh tables' position with an empty batch, and that is not
            # a position the live tables show (every process's waiting
            # writers would be woken by it).
            self._notify_changed(
                curs, tracking.notification_id, {event.originator_id for event in fresh}
            )
        curs.execute(
            self.advance_position_statement,
            {"position": tracking.notification_id, "name": tracking.application_name},
        )
        return tracking.notification_id

    def _notify_changed(
        self, curs: Cursor[DictRow], position: int, changed: set[str]
    ) -> None:
        for payload in changed_payloads(self.origin, position, sorted(changed)):
            curs.execute(NOTIFY, (self.channel, payload))

    def claim_position(self, curs: Cursor[DictRow], application_name: str) -> int:
        """Lock this view's tracking row until the transaction ends; its position."""
        return self._claimed_position(self._start_claim(curs, application_name))

    def _start_claim(
        self, curs: Cursor[DictRow], application_name: str
    ) -> Cursor[DictRow]:
        claimed = curs.connection.cursor()
        claimed.execute(self.claim_position_statement, (application_name,))
        return claimed

    @staticmethod
    def _claimed_position(claimed: Cursor[DictRow]) -> int:
        row = claimed.fetchone()
        if row is None:  # an upsert with RETURNING returns its row: never here
            raise IntegrityError("No tracking row for the view")
        return int(row["notification_id"])

    def save_events(
        self,
        curs: Cursor[DictRow],
        events: Sequence[Appointment.Event],
        current: Mapping[str, AppointmentState] | None = None,
    ) -> None:
        """Write the states ``events`` lead to from ``current`` (the stored
        rows they change; read here when not given)."""
        if current is None:
            current = self.writer.load(curs, rows_to_load(events))
        states = list(evolve_states(current, events).values())
        self.writer.save(curs, states, stored=current.keys())

    def position(self) -> int:
        """The last notification id this view has processed (0 before any)."""
        with database_errors():
            return self.max_tracking_id(self.application_name) or 0


def rows_to_load(events: Sequence[Appointment.Event]) -> set[str]:
    """The appointments whose first event here is not their first at all:
    the rows to load. An appointment created in the batch has none yet (the
    tracking row's lock keeps any event from being applied twice)."""
    seen: set[str] = set()
    ids: set[str] = set()
    for event in events:
        if event.originator_id not in seen:
            seen.add(event.originator_id)
            if event.originator_version > 1:
                ids.add(event.originator_id)
    return ids
