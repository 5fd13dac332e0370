"""Side tables kept beside the event store (idempotency keys, API keys,
rate-limit windows): created once, even when several processes start together."""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from application.errors import database_errors
from infrastructure.advisory_locks import LOCK_UNTIL_COMMIT


def create_table_once(datastore: PostgresDatastore, table: str, ddl: str) -> Identifier:
    """Run ``ddl`` (``CREATE ... TABLE IF NOT EXISTS {t} ...``) under an
    advisory lock, since concurrent ``IF NOT EXISTS`` can still collide; the
    table's qualified name."""
    qualified = Identifier(datastore.schema, table)
    with database_errors(), datastore.transaction(commit=True) as curs:
        curs.execute(LOCK_UNTIL_COMMIT, (f"{datastore.schema}:{table}:ddl",))
        curs.execute(SQL(ddl).format(t=qualified))
    return qualified
