"""The CRUD baseline's one table, filled from the service's read model so
both answer reads over the same appointments."""

from __future__ import annotations

import psycopg
from psycopg import sql

TABLE = "crud_appointments"

CREATE = f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        id text COLLATE "C" PRIMARY KEY,
        document jsonb NOT NULL,
        host text COLLATE "C" NOT NULL,
        start_time bigint NOT NULL);
    CREATE INDEX IF NOT EXISTS {TABLE}_host_idx ON {TABLE} (host, start_time, id);
    CREATE INDEX IF NOT EXISTS {TABLE}_start_time_idx ON {TABLE} (start_time, id);
"""


def create_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE)


def copy_from_read_model(url: str, schema: str, read_model_table: str) -> int:
    """Copy every appointment of the service's read model; how many."""
    create_table(url)
    statement = sql.SQL(
        "INSERT INTO {crud} (id, document, host, start_time) "
        "SELECT id, document, host, start_time FROM {source} "
        "ON CONFLICT (id) DO NOTHING"
    ).format(
        crud=sql.Identifier(TABLE),
        source=sql.Identifier(schema, read_model_table),
    )
    with psycopg.connect(url, autocommit=True) as conn:
        copied = conn.execute(statement).rowcount
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(TABLE)))
    return copied
