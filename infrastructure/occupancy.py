"""Who is busy when: the table PostgreSQL keeps free of double bookings.

One row per person and occupied slot, written by the event store's recorder in
the transaction that appends the events (``application.bookings``). An
exclusion constraint refuses two exclusive rows whose ``slot`` ranges overlap,
however many transactions race. ``slot`` places each person's time on a line
of its own: ``key(person) * 2**42 + milliseconds``, where ``2**42`` ms reaches
past 2101, the latest end an appointment may have, so two people's ranges
never meet and one range type needs no ``btree_gist`` (the embedded server
ships without it). ``key`` is PostgreSQL's 64-bit ``hashtextextended``; two ids
sharing a key would be refused as if they were one person (odds near 1 in
10**12 for a million people), never allowed to overlap.

Rows of an ``allow_overlap`` booking are not exclusive (and ``opted_out``):
the constraint skips them, and an exclusive booking is checked against them by
a query in the same transaction. Rows filled in for appointments made before
the rule (``backfill``) that overlap are neither: ``audit verify`` reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import psycopg.errors
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from application.bookings import Booking, Busy, Slot
from domain.errors import Conflict, ScheduleConflict

LINE_LENGTH = 2**42
"""Milliseconds on each person's line: 2109-05-15, past any appointment's end."""

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    person_id text COLLATE "C" NOT NULL,
    appointment_id text COLLATE "C" NOT NULL,
    owner_id text COLLATE "C" NOT NULL,
    start_time bigint NOT NULL,
    end_time bigint NOT NULL,
    exclusive boolean NOT NULL,
    opted_out boolean NOT NULL,
    slot numrange GENERATED ALWAYS AS (numrange(
        hashtextextended(person_id, 0)::numeric * {line} + start_time,
        hashtextextended(person_id, 0)::numeric * {line} + end_time)) STORED,
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
       %(starts)s::int8[], %(ends)s::int8[])
    AS s(person, appointment, start_time, end_time)
"""

INSERT_OVERLAPPING = (
    "INSERT INTO {table} "
    "(person_id, appointment_id, owner_id, start_time, end_time, exclusive, "
    "opted_out) SELECT s.person, s.appointment, %(owner)s, s.start_time, "
    "s.end_time, false, false FROM " + SLOTS
)

KEEP = (
    "(o.person_id, o.appointment_id, o.start_time, o.end_time) = "
    "(s.person, s.appointment, s.start_time, s.end_time)"
)

RELEASE = (
    "DELETE FROM {table} AS o WHERE o.owner_id = %(owner)s AND NOT EXISTS "
    "(SELECT 1 FROM " + SLOTS + " WHERE " + KEEP + ")"
)
"""The owner's slots that its booking no longer holds."""

INSERT = (
    "INSERT INTO {table} "
    "(person_id, appointment_id, owner_id, start_time, end_time, exclusive, "
    "opted_out) SELECT s.person, s.appointment, %(owner)s, s.start_time, "
    "s.end_time, %(exclusive)s, NOT %(exclusive)s FROM " + SLOTS + " WHERE NOT EXISTS "
    "(SELECT 1 FROM {table} AS o WHERE o.owner_id = %(owner)s AND " + KEEP + ") "
    "AND (s.appointment = %(owner)s OR NOT EXISTS (SELECT 1 FROM {events} AS e "
    "WHERE e.originator_id = s.appointment AND e.originator_version = 1)) "
    "RETURNING person_id, appointment_id, start_time, end_time"
)
"""The booking's new slots; those it held already keep their row (and
whether they were exclusive). An occurrence whose own history has begun holds
its own slot: its series' rows skip it."""

OVERLAPS = (
    "SELECT DISTINCT o.appointment_id, o.person_id FROM {table} AS o JOIN "
    + SLOTS
    + " ON o.person_id = s.person AND o.start_time < s.end_time "
    "AND o.end_time > s.start_time "
    "WHERE o.owner_id <> %(owner)s AND o.appointment_id <> %(owner)s {only} "
    "ORDER BY 1, 2 LIMIT 100"
)

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

    def create_statements(self) -> list[Composed]:
        statements = [
            SQL(CREATE_TABLE).format(
                table=self._table,
                line=SQL(str(LINE_LENGTH)),
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
        """Bring each owner's slots to its booking's; refuse a new exclusive
        slot that overlaps an opted-out one (the constraint covers the rest)."""
        taken = [b.owner for b in bookings if b.takes_over]
        if taken:
            curs.execute(
                SQL(
                    "DELETE FROM {table} WHERE appointment_id = ANY(%s) "
                    "AND owner_id <> appointment_id"
                ).format(**self._format),
                (taken,),
            )
        for booking in bookings:
            curs.execute(SQL(RELEASE).format(**self._format), _parameters(booking))
        for booking in bookings:
            self._insert(curs, booking)

    def _insert(self, curs: Cursor[DictRow], booking: Booking) -> None:
        curs.execute(SQL(INSERT).format(**self._format), _parameters(booking))
        added = [
            Slot(r["person_id"], r["appointment_id"], r["start_time"], r["end_time"])
            for r in curs.fetchall()
        ]
        if not (booking.exclusive and added):
            return
        params = _parameters(replace(booking, slots=tuple(added)))
        curs.execute(self._overlaps(only_opted_out=True), params)
        found = _conflicts(curs.fetchall())
        if found:
            raise ScheduleConflict(found)

    def conflicts(
        self, curs: Cursor[DictRow], bookings: Sequence[Booking]
    ) -> list[Conflict]:
        """Who and what stands in the way of these bookings' slots."""
        found: set[Conflict] = set()
        for booking in bookings:
            if booking.slots:
                curs.execute(self._overlaps(only_opted_out=False), _parameters(booking))
                found.update(_conflicts(curs.fetchall()))
        return sorted(found)

    def backfill(self, curs: Cursor[DictRow], booking: Booking) -> None:
        """Record an appointment made before the rule: its slots are exclusive
        where they can be, and kept, not dropped, where they overlap."""
        curs.execute("SAVEPOINT backfill")
        try:
            curs.execute(SQL(INSERT).format(**self._format), _parameters(booking))
        except psycopg.errors.ExclusionViolation:
            curs.execute("ROLLBACK TO SAVEPOINT backfill")
            curs.execute(
                SQL(INSERT_OVERLAPPING).format(**self._format), _parameters(booking)
            )
        curs.execute("RELEASE SAVEPOINT backfill")

    def double_bookings(self, curs: Cursor[DictRow]) -> list[tuple[str, str, str]]:
        """(person, appointment, appointment) for each overlap nobody opted into."""
        curs.execute(SQL(DOUBLE_BOOKINGS).format(**self._format))
        return [(r["person_id"], r["first"], r["second"]) for r in curs.fetchall()]

    def busy(self, curs: Cursor[DictRow], person: str, gte: int, lt: int) -> list[Busy]:
        """One index range scan over ``(person_id, start_time)``."""
        curs.execute(SQL(BUSY).format(**self._format), (person, gte, lt), prepare=True)
        return [
            Busy(row["start_time"], row["end_time"], row["appointment_id"])
            for row in curs.fetchall()
        ]

    def _overlaps(self, *, only_opted_out: bool) -> Composed:
        only = SQL("AND NOT o.exclusive" if only_opted_out else "")
        return SQL(OVERLAPS).format(only=only, **self._format)


def _parameters(booking: Booking) -> dict[str, object]:
    slots = booking.slots
    return {
        "owner": booking.owner,
        "exclusive": booking.exclusive,
        "people": [s.person for s in slots],
        "appointments": [s.appointment for s in slots],
        "starts": [s.start_time for s in slots],
        "ends": [s.end_time for s in slots],
    }


def _conflicts(rows: Sequence[DictRow]) -> list[Conflict]:
    return [Conflict(row["appointment_id"], row["person_id"]) for row in rows]
