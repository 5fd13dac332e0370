"""The webhooks' tables, and each endpoint's tracked position in the feed.

Positions live in the library's tracking table (one row per endpoint, keyed
by its id): like a projection's, an endpoint's position moves on in the same
transaction as the queue rows it adds, so each event is queued exactly once.
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from infrastructure.advisory_locks import LOCK_FOR_SESSION, UNLOCK_FOR_SESSION

PREFIX = "webhook_"
TRACKING_TABLE = PREFIX + "tracking"


class WebhookTables(PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        schema = datastore.schema
        self.endpoints = Identifier(schema, PREFIX + "endpoints")
        self.queue = Identifier(schema, PREFIX + "queue")
        self.deliveries = Identifier(schema, PREFIX + "deliveries")
        self.tracking = Identifier(schema, TRACKING_TABLE)
        self.sql_create_statements.extend(self._create_statements())

    def _create_statements(self) -> list[Composed]:
        tables = {
            "endpoints": self.endpoints,
            "queue": self.queue,
            "deliveries": self.deliveries,
        }
        statements = (
            "CREATE TABLE IF NOT EXISTS {endpoints} ("
            "seq bigserial UNIQUE, id text PRIMARY KEY, url text NOT NULL, "
            "enabled_events jsonb NOT NULL, description text, secret text NOT NULL, "
            "status text NOT NULL, disabled_reason text, created_at bigint NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {queue} ("
            "endpoint_id text NOT NULL REFERENCES {endpoints} ON DELETE CASCADE, "
            "position bigint NOT NULL, appointment_id text NOT NULL, "
            "body text NOT NULL, attempts integer NOT NULL DEFAULT 0, "
            "failures integer NOT NULL DEFAULT 0, failing_since bigint, "
            "next_attempt_at bigint NOT NULL, PRIMARY KEY (endpoint_id, position))",
            "CREATE INDEX IF NOT EXISTS webhook_queue_by_appointment "
            "ON {queue} (endpoint_id, appointment_id, position)",
            "CREATE TABLE IF NOT EXISTS {deliveries} ("
            "seq bigserial PRIMARY KEY, id text NOT NULL UNIQUE, "
            "endpoint_id text NOT NULL REFERENCES {endpoints} ON DELETE CASCADE, "
            "position bigint NOT NULL, attempt integer NOT NULL, "
            "status_code integer, error text, duration_ms integer NOT NULL, "
            "attempted_at bigint NOT NULL)",
            "CREATE INDEX IF NOT EXISTS webhook_deliveries_by_endpoint "
            "ON {deliveries} (endpoint_id, seq)",
            "CREATE INDEX IF NOT EXISTS webhook_deliveries_by_time "
            "ON {deliveries} (attempted_at)",
        )
        return [SQL(statement).format(**tables) for statement in statements]

    def create_table(self) -> None:
        """Serialised across processes starting together (see
        ``AppointmentsRecorder.create_table``): a session lock on one connection."""
        key = f"{self.datastore.schema}.{TRACKING_TABLE}:create"
        with self.datastore.get_connection() as conn:
            conn.execute(LOCK_FOR_SESSION, (key,))
            try:
                super().create_table()
            finally:
                conn.execute(UNLOCK_FOR_SESSION, (key,))

    def start_tracking(self, curs: Cursor[DictRow], endpoint_id: str, at: int) -> None:
        self._insert_tracking(curs, Tracking(endpoint_id, at))

    def position(self, endpoint_id: str) -> int | None:
        """The endpoint's tracked position (None: the endpoint is gone)."""
        position: int | None = self.max_tracking_id(endpoint_id)
        return position
