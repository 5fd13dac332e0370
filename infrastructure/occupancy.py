"""Who is busy when: the table PostgreSQL keeps free of double bookings.

One row per person and occupied slot, written by the event store's recorder in
the transaction that appends the events (``application.bookings``). An
exclusion constraint refuses two exclusive rows whose ``slot`` boxes overlap,
however many transactions race. ``slot`` places each person's time on a line
of its own: a flat box from ``start_time`` to ``end_time - 0.5`` ms (so that
touching ends do not meet) at height ``key(person)``, so two people's slots
never meet and the built-in ``box`` operator class needs no ``btree_gist``
(the embedded server ships without it). ``key`` is PostgreSQL's 64-bit
``hashtextextended`` as a double (53 significant bits); two ids sharing a key
would be refused as if they were one person (odds near 1 in 10**5 for a
million people), never allowed to overlap.

Rows of an ``allow_overlap`` booking are not exclusive (and ``opted_out``):
the constraint skips them, and an exclusive booking is checked against them by
a query in the same transaction. Rows filled in for appointments made before
the rule (``backfill``) that overlap are neither: ``audit verify`` reports them.

Availability reads the table where ``PostgresBusyTimes`` is pointed: the
primary, or a streaming replica's copy (``infrastructure/read_model/replica.py``).
Read-your-writes holds on the replica because a write's rows commit with its
events, before the projection can read those events and commit its tracking
row, and a replica makes commits visible in the primary's commit order: once
its tracking row shows the write's position, its copy of this table shows the
write's slots.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg.errors
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from application.bookings import Booking, Busy
from application.errors import database_errors
from domain.errors import Conflict, ScheduleConflict
from domain.values import MAX_DURATION_MS
from infrastructure.sql_text import rendered

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    person_id text COLLATE "C" NOT NULL,
    appointment_id text COLLATE "C" NOT NULL,
    owner_id text COLLATE "C" NOT NULL,
    start_time bigint NOT NULL,
    end_time bigint NOT NULL,
    exclusive boolean NOT NULL,
    opted_out boolean NOT NULL,
    slot box GENERATED ALWAYS AS (box(
        point(start_time::float8, hashtextextended(person_id, 0)::float8),
        point(end_time::float8 - 0.5, hashtextextended(person_id, 0)::float8)))
        STORED,
    CONSTRAINT {constraint} EXCLUDE USING gist (slot WITH &&) WHERE (exclusive)
)
"""

INDEXES = (
    ("person_start", "(person_id, start_time)"),
    ("owner", "(owner_id)"),
    ("appointment", "(appointment_id)"),
)

SLOTS = """
unnest(%(people)s::text[], %(appointments)s::text[],
       %(starts)s::int8[], %(ends)s::int8[],
       %(owners)s::text[], %(exclusive)s::bool[])
    AS s(person, appointment, start_time, end_time, owner, exclusive)
"""
"""Each slot with the owner whose booking holds it and whether it is exclusive."""

INSERT_OVERLAPPING = (
    "INSERT INTO {table} "
    "(person_id, appointment_id, owner_id, start_time, end_time, exclusive, "
    "opted_out) SELECT s.person, s.appointment, s.owner, s.start_time, "
    "s.end_time, false, false FROM " + SLOTS
)

KEEP = (
    "(o.person_id, o.appointment_id, o.start_time, o.end_time) = "
    "(s.person, s.appointment, s.start_time, s.end_time)"
)

WRITE = (
    "WITH s AS MATERIALIZED (SELECT * FROM " + SLOTS + "), "
    "released AS (DELETE FROM {table} AS o "
    "WHERE o.owner_id = ANY(%(booked)s::text[]) AND NOT EXISTS "
    "(SELECT 1 FROM s WHERE s.owner = o.owner_id AND " + KEEP + ") RETURNING 1), "
    "added AS (INSERT INTO {table} "
    "(person_id, appointment_id, owner_id, start_time, end_time, exclusive, "
    "opted_out) SELECT s.person, s.appointment, s.owner, s.start_time, "
    "s.end_time, s.exclusive, NOT s.exclusive FROM s "
    "WHERE (SELECT count(*) FROM released) >= 0 "
    "AND NOT EXISTS (SELECT 1 FROM {table} AS o "
    "WHERE o.owner_id = s.owner AND " + KEEP + ") "
    "AND (s.appointment = s.owner OR NOT EXISTS (SELECT 1 FROM {events} AS e "
    "WHERE e.originator_id = s.appointment AND e.originator_version = 1)) "
    "RETURNING person_id, owner_id, start_time, end_time, exclusive) "
    "SELECT DISTINCT o.appointment_id, o.person_id FROM added AS a "
    "CROSS JOIN LATERAL (SELECT o.appointment_id, o.person_id FROM {table} AS o "
    "WHERE o.person_id = a.person_id AND o.start_time < a.end_time "
    "AND o.start_time > a.start_time - {longest} AND o.end_time > a.start_time "
    "AND NOT o.exclusive AND o.owner_id <> a.owner_id "
    "AND o.appointment_id <> a.owner_id OFFSET 0) AS o "
    "WHERE a.exclusive ORDER BY 1, 2 LIMIT 100"
)
"""One round trip for any number of bookings: release each owner's slots its
booking no longer holds, then (the count forces that order, so a move within
its own time never meets itself) add the new ones, and name the opted-out
slots that new exclusive ones overlap. Kept slots keep their row and whether
they were exclusive. An occurrence whose own history has begun holds its own
slot: its series' rows skip it. The constraint checks the new rows against
every exclusive one."""

INSERT = (
    "INSERT INTO {table} "
    "(person_id, appointment_id, owner_id, start_time, end_time, exclusive, "
    "opted_out) SELECT s.person, s.appointment, s.owner, s.start_time, "
    "s.end_time, true, false FROM " + SLOTS + " WHERE "
    "s.appointment = s.owner OR NOT EXISTS (SELECT 1 FROM {events} AS e "
    "WHERE e.originator_id = s.appointment AND e.originator_version = 1)"
)
"""An appointment made before the rule, recorded by the fill."""

OVERLAPS = (
    "SELECT DISTINCT o.appointment_id, o.person_id FROM " + SLOTS + " "
    "CROSS JOIN LATERAL (SELECT o.appointment_id, o.person_id FROM {table} AS o "
    "WHERE o.person_id = s.person AND o.start_time < s.end_time "
    "AND o.start_time > s.start_time - {longest} AND o.end_time > s.start_time "
    "AND o.owner_id <> s.owner AND o.appointment_id <> s.owner OFFSET 0) AS o "
    "ORDER BY 1, 2 LIMIT 100"
)
"""Whatever holds any of these slots' people at their times."""

BUSY = (
    "SELECT start_time, end_time, appointment_id FROM {table} "
    "WHERE person_id = %s AND start_time >= %s AND start_time < %s "
    "ORDER BY start_time, appointment_id"
)


DOUBLE_BOOKINGS = (
    "SELECT a.person_id, a.appointment_id AS first, b.appointment_id AS second "
    "FROM {table} AS a JOIN {table} AS b ON a.person_id = b.person_id "
    "AND a.start_time < b.end_time AND a.end_time > b.start_time "
    "AND a.appointment_id < b.appointment_id "
    "WHERE NOT a.opted_out AND NOT b.opted_out ORDER BY 2, 3, 1"
)
"""Overlaps that nobody opted into: made before the rule existed."""

TAKE_OVER = (
    "DELETE FROM {table} WHERE appointment_id = ANY(%s) AND owner_id <> appointment_id"
)
"""An occurrence with a history of its own takes over its series' slot."""


class OccupancyTable:
    """The schema and statements of one event store's occupancy table."""

    def __init__(self, schema: str, table: str, events_table: str) -> None:
        self.table = table
        self.constraint = table + "_no_overlap"
        self.identifiers = (table, self.constraint)
        self._table = Identifier(schema, table)
        self._events = Identifier(schema, events_table)
        self._schema = schema
        self._format = {"table": self._table, "events": self._events}
        self._rendered: dict[str, bytes] = {}

    def create_statements(self) -> list[Composed]:
        statements = [
            SQL(CREATE_TABLE).format(
                table=self._table,
                constraint=Identifier(self.constraint),
            )
        ]
        for suffix, columns in INDEXES:
            statements.append(
                SQL("CREATE INDEX IF NOT EXISTS {name} ON {table} " + columns).format(
                    name=Identifier(f"{self.table}_{suffix}"), table=self._table
                )
            )
        return statements

    def write(self, curs: Cursor[DictRow], bookings: Sequence[Booking]) -> None:
        """Bring each owner's slots to its booking's, in one statement; refuse a
        new exclusive slot that overlaps an opted-out one (the constraint
        covers the rest)."""
        taken = [b.owner for b in bookings if b.takes_over]
        if taken:
            curs.execute(self._sql(TAKE_OVER), (taken,))
        curs.execute(self._sql(WRITE), _parameters(*bookings), prepare=True)
        found = _conflicts(curs.fetchall())
        if found:
            raise ScheduleConflict(found)

    def backfill(self, curs: Cursor[DictRow], booking: Booking) -> None:
        """Record an appointment made before the rule: its slots are exclusive
        where they can be, and kept, not dropped, where they overlap."""
        curs.execute("SAVEPOINT backfill")
        try:
            curs.execute(self._sql(INSERT), _parameters(booking))
        except psycopg.errors.ExclusionViolation:
            curs.execute("ROLLBACK TO SAVEPOINT backfill")
            curs.execute(self._sql(INSERT_OVERLAPPING), _parameters(booking))
        curs.execute("RELEASE SAVEPOINT backfill")

    def double_bookings(self, curs: Cursor[DictRow]) -> list[tuple[str, str, str]]:
        """(person, appointment, appointment) for each overlap nobody opted into."""
        curs.execute(self._sql(DOUBLE_BOOKINGS))
        return [(r["person_id"], r["first"], r["second"]) for r in curs.fetchall()]

    def busy(self, curs: Cursor[DictRow], person: str, gte: int, lt: int) -> list[Busy]:
        """One index range scan over ``(person_id, start_time)``."""
        curs.execute(self._sql(BUSY), (person, gte, lt), prepare=True)
        return [
            Busy(row["start_time"], row["end_time"], row["appointment_id"])
            for row in curs.fetchall()
        ]

    def conflicts(
        self, curs: Cursor[DictRow], bookings: Sequence[Booking]
    ) -> list[Conflict]:
        """Who and what stands in the way of these bookings' slots."""
        found: set[Conflict] = set()
        for booking in bookings:
            if booking.slots:
                curs.execute(self._sql(OVERLAPS), _parameters(booking))
                found.update(_conflicts(curs.fetchall()))
        return sorted(found)

    def _sql(self, statement: str) -> bytes:
        """``statement`` for this table, rendered once (``sql_text.py``)."""
        text = self._rendered.get(statement)
        if text is None:
            text = rendered(
                SQL(statement).format(longest=SQL(str(MAX_DURATION_MS)), **self._format)
            )
            self._rendered[statement] = text
        return text


class PostgresBusyTimes:
    """Implements ``application.bookings.BusyTimes``: ``table`` as
    ``datastore`` (the primary, or a replica) holds it."""

    def __init__(self, datastore: PostgresDatastore, table: OccupancyTable) -> None:
        self.datastore = datastore
        self.table = table

    def busy(self, person: str, start_time_gte: int, start_time_lt: int) -> list[Busy]:
        with database_errors(), self.datastore.cursor() as curs:
            return self.table.busy(curs, person, start_time_gte, start_time_lt)


def _parameters(*bookings: Booking) -> dict[str, object]:
    pairs = [(b, s) for b in bookings for s in b.slots]
    return {
        "booked": [b.owner for b in bookings],
        "people": [s.person for _, s in pairs],
        "appointments": [s.appointment for _, s in pairs],
        "starts": [s.start_time for _, s in pairs],
        "ends": [s.end_time for _, s in pairs],
        "owners": [b.owner for b, _ in pairs],
        "exclusive": [b.exclusive for b, _ in pairs],
    }


def _conflicts(rows: Sequence[DictRow]) -> list[Conflict]:
    return [Conflict(row["appointment_id"], row["person_id"]) for row in rows]
