"""Calendar feeds in PostgreSQL: tokens stored as hashes, revocable; and the
appointments a person's feed shows, read from the read model's tables."""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL

from application.calendar_feeds import CalendarFeed
from application.errors import database_errors
from application.queries import AppointmentState
from infrastructure.read_model.tables import ViewTables
from infrastructure.tables import create_table_once


class PostgresCalendarFeedStore:
    def __init__(self, datastore: PostgresDatastore, table: str) -> None:
        self.datastore = datastore
        self.table = create_table_once(
            datastore,
            table,
            "CREATE TABLE IF NOT EXISTS {t} ("
            'id text COLLATE "C" PRIMARY KEY, '
            'user_id text COLLATE "C" NOT NULL, '
            "token_hash text NOT NULL UNIQUE, "
            "created_at bigint NOT NULL, "
            "revoked_at bigint)",
        )

    def add(self, feed: CalendarFeed, token_hash: str) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {t} (id, user_id, token_hash, created_at) "
                    "VALUES (%s, %s, %s, %s)"
                ).format(t=self.table),
                (feed.id, feed.user, token_hash, feed.created_at),
            )

    def revoke(self, feed_id: str, at: int) -> bool:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "UPDATE {t} SET revoked_at = %s "
                    "WHERE id = %s AND revoked_at IS NULL RETURNING id"
                ).format(t=self.table),
                (at, feed_id),
            )
            return curs.fetchone() is not None

    def user_of(self, token_hash: str) -> str | None:
        with database_errors(), self.datastore.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT user_id FROM {t} "
                    "WHERE token_hash = %s AND revoked_at IS NULL"
                ).format(t=self.table),
                (token_hash,),
            )
            row = curs.fetchone()
        return None if row is None else str(row["user_id"])


class PostgresCalendarSource:
    """A person's appointments (as host or attendee), and every occurrence
    with a history of its own of their series, whoever attends it."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        tables = ViewTables(datastore.schema)
        self.statement = SQL(
            "WITH mine AS ("
            "SELECT id FROM {appointments} WHERE host = %(user)s "
            "UNION SELECT appointment_id FROM {attendees} WHERE attendee_id = %(user)s"
            "), wanted AS ("
            "SELECT id FROM mine UNION SELECT id FROM {appointments} "
            "WHERE series_id IN (SELECT id FROM mine)"
            ") "
            "SELECT a.id, a.version, a.document FROM {appointments} a "
            "JOIN wanted w ON w.id = a.id ORDER BY a.id"
        ).format(appointments=tables.appointments, attendees=tables.attendees)

    def appointments_of(self, user: str) -> list[AppointmentState]:
        with database_errors(), self.datastore.cursor() as curs:
            curs.execute(self.statement, {"user": user})
            return [
                AppointmentState(row["document"], row["version"])
                for row in curs.fetchall()
            ]
