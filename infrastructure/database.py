"""Connecting the event store to PostgreSQL."""

from __future__ import annotations

import getpass

import psycopg
from psycopg.conninfo import conninfo_to_dict

from infrastructure.advisory_locks import LOCK_UNTIL_COMMIT
from infrastructure.analytics.views import analytics_schema
from infrastructure.persistence import POOL_TIMEOUT, STATEMENT_TIMEOUT
from infrastructure.settings import SettingsError

RECORDER_TOPIC = "infrastructure.recorder:AppointmentsRecorder"
FACTORY_TOPIC = "infrastructure.persistence:AppointmentsFactory"


def eventsourcing_env(
    url: str,
    *,
    schema: str = "",
    pool_size: int = 5,
    connect_timeout: int = 5,
    pool_timeout: float | None = None,
    statement_timeout: float = 0,
) -> dict[str, str]:
    """The ``eventsourcing`` environment for a ``postgresql://`` URL; the
    timeouts are in seconds (``statement_timeout`` 0: none)."""
    params = conninfo_to_dict(url)
    user = str(params.get("user") or getpass.getuser())
    return {
        "PERSISTENCE_MODULE": FACTORY_TOPIC,
        "ORIGINATOR_ID_TYPE": "text",
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
        "POSTGRES_DBNAME": str(params.get("dbname") or user),
        "POSTGRES_HOST": str(params.get("host") or "localhost"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
        "POSTGRES_LOCK_TIMEOUT": "5",
        POOL_TIMEOUT: str(pool_timeout or connect_timeout),
        STATEMENT_TIMEOUT: str(statement_timeout),
    }


def check_reachable(url: str, *, connect_timeout: int = 5) -> None:
    """Fail with one line naming the setting when the database cannot be used."""
    try:
        with psycopg.connect(url, connect_timeout=connect_timeout) as conn:
            conn.execute("SELECT 1")
    except (psycopg.Error, ValueError) as error:
        reason = (
            str(error).strip().splitlines()[0]
            if str(error).strip()
            else type(error).__name__
        )
        raise SettingsError(
            f"APPOINTMENTS_DATABASE_URL: cannot connect to the database: {reason}"
        ) from None


def ensure_schema(url: str, schema: str) -> None:
    """Create ``schema`` once, even when several processes start together."""
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute(LOCK_UNTIL_COMMIT, (f"schema:{schema}",))
        conn.execute(
            psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                psycopg.sql.Identifier(schema)
            )
        )


def drop_schema(url: str, schema: str) -> None:
    """Drop ``schema`` and the analytics schema beside it."""
    with psycopg.connect(url, autocommit=True) as conn:
        for name in (analytics_schema(schema), schema):
            conn.execute(
                psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    psycopg.sql.Identifier(name)
                )
            )
