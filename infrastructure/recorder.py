"""The event store's recorder, plus rows that must commit with the events:
each new video link, each event's link in the hash chain, each appointment's
occupied time, and the response of each command run for an Idempotency-Key."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg.errors
from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from application.bookings import Booking
from application.ports import DuplicateVideoLink, VideoMeeting
from domain.errors import ScheduleConflict
from infrastructure import store_metrics
from infrastructure.advisory_locks import (
    LOCK_FOR_SESSION,
    LOCK_UNTIL_COMMIT,
    UNLOCK_FOR_SESSION,
)
from infrastructure.audit.schema import HashChainSchema
from infrastructure.fail_fast import unretried
from infrastructure.group_commit import GroupCommit, GroupRefused, PendingSave
from infrastructure.idempotency import IdempotencyTable
from infrastructure.occupancy import OccupancyTable
from infrastructure.sql_text import rendered

logger = logging.getLogger(__name__)


class AppointmentsRecorder(PostgresApplicationRecorder):
    """Records events and, in the same transaction, claims each new video link.

    The unique constraints on ``meeting_id`` and ``join_url`` are what make
    every appointment's link unique across the whole store. A trigger on the
    events table records each event's hash chain link (``infrastructure.audit``).
    """

    select_events = unretried(PostgresApplicationRecorder.select_events)
    select_notifications = unretried(PostgresApplicationRecorder.select_notifications)
    max_notification_id = unretried(PostgresApplicationRecorder.max_notification_id)
    _insert_unretried = unretried(PostgresApplicationRecorder.insert_events)

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.video_links_table = (
            events_table_name.removesuffix("_events") + "_video_links"
        )
        self.check_identifier_length(self.video_links_table)
        table = Identifier(self.datastore.schema, self.video_links_table)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} ("
                "meeting_id text PRIMARY KEY, "
                "join_url text NOT NULL UNIQUE, "
                "appointment_id text NOT NULL)"
            ).format(table=table)
        )
        events = Identifier(self.datastore.schema, events_table_name)
        self.insert_video_links = rendered(
            SQL(
                "INSERT INTO {table} (meeting_id, join_url, appointment_id) "
                "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])"
            ).format(table=table)
        )
        self.select_with_history = rendered(
            SQL(
                "SELECT originator_id FROM {events} "
                "WHERE originator_id = ANY(%s) AND originator_version = 1"
            ).format(events=events)
        )
        self.select_link_taken = rendered(
            SQL(
                "SELECT EXISTS (SELECT 1 FROM {table} "
                "WHERE meeting_id = %s OR join_url = %s) AS taken"
            ).format(table=table)
        )
        notifications = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {events} WHERE notification_id > %(after)s{until} "
            "ORDER BY notification_id LIMIT %(limit)s"
        )
        self.select_notifications_after = rendered(
            notifications.format(events=events, until=SQL(""))
        )
        self.select_notifications_between = rendered(
            notifications.format(
                events=events, until=SQL(" AND notification_id <= %(until)s")
            )
        )
        self.hash_chain = HashChainSchema(
            self.datastore.schema, events_table_name, self.datastore.originator_id_type
        )
        for name in self.hash_chain.identifiers:
            self.check_identifier_length(name)
        self.sql_create_statements.extend(self.hash_chain.create_statements())
        self.occupancy = OccupancyTable(
            self.datastore.schema,
            events_table_name.removesuffix("_events") + "_occupancy",
            events_table_name,
        )
        for name in self.occupancy.identifiers:
            self.check_identifier_length(name)
        self.sql_create_statements.extend(self.occupancy.create_statements())
        self.idempotency = IdempotencyTable(
            self.datastore.schema,
            events_table_name.removesuffix("_events") + "_idempotency_keys",
        )
        self.check_identifier_length(self.idempotency.name)
        self.sql_create_statements.append(self.idempotency.create_statement())
        self.group_commit = GroupCommit(
            record_group=self._insert_group,
            record_one=lambda pending: self._insert_alone(
                pending.stored_events, pending.kwargs
            ),
            on_fallback=report_fallback,
        )

    def create_table(self) -> None:
        """The library creates its composite type in a transaction of its own,
        before the tables; concurrent start-ups then collide on the type's
        name. A session lock, held on one connection, serialises it all."""
        with self.datastore.get_connection() as conn:
            conn.execute(LOCK_FOR_SESSION, (self._ddl_key,))
            try:
                super().create_table()
            finally:
                conn.execute(UNLOCK_FOR_SESSION, (self._ddl_key,))

    @property
    def _ddl_key(self) -> str:
        return f"{self.datastore.schema}.{self.events_table_name}:create"

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        """Serialises this store's DDL: concurrent start-ups would otherwise
        race on ``CREATE OR REPLACE`` of the hash chain's function and trigger."""
        curs.execute(
            LOCK_UNTIL_COMMIT, (f"{self.datastore.schema}.{self.events_table_name}",)
        )
        super()._create_table(curs)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Concurrent saves are combined into one transaction (group commit)."""
        if kwargs.get("tracking") is not None or not stored_events:
            return self._insert_alone(stored_events, kwargs)
        return self.group_commit.save(stored_events, kwargs)

    def _insert_alone(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> Sequence[int] | None:
        try:
            ids: Sequence[int] | None = self._insert_pipelined(stored_events, kwargs)
        except IntegrityError as error:
            meeting: VideoMeeting | None = kwargs.get("video_meeting")
            if meeting is not None and self._is_video_link_conflict(error):
                raise DuplicateVideoLink(meeting) from error
            if self._is_double_booking(error):
                raise self._schedule_conflict(kwargs.get("bookings", ())) from error
            raise
        store_metrics.record_commit(saves=1, events=len(stored_events))
        return ids

    def _insert_pipelined(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> Sequence[int] | None:
        """The library's pipelined insert, sent again once if the pipeline was
        aborted: a statement before the sync failed (say, a video link's unique
        constraint), so nothing was stored, and the second try names the error.
        A save with no booking fetches nothing before the sync, so the abort
        may hide the link's error both times: a link already taken is then
        named by looking it up."""
        meeting: VideoMeeting | None = kwargs.get("video_meeting")
        try:
            ids: Sequence[int] | None = self._insert_unretried(stored_events, **kwargs)
        except OperationalError as error:
            if not isinstance(error.__cause__, psycopg.errors.PipelineAborted):
                raise
            if meeting is not None and self._link_taken(meeting):
                raise DuplicateVideoLink(meeting) from error
            ids = self._insert_unretried(stored_events, **kwargs)
        return ids

    def _link_taken(self, meeting: VideoMeeting) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_link_taken, (meeting.meeting_id, meeting.join_url))
            row = curs.fetchone()
            return bool(row and row["taken"])

    def _insert_group(self, group: Sequence[PendingSave]) -> list[Sequence[int]]:
        """Several saves in one transaction: their rows, one table lock, one
        insert of all their events; each save's notification ids. Whatever
        refuses the group is raised as ``GroupRefused`` inside the transaction,
        which then rolls back: nothing of the group is stored."""
        events = [event for pending in group for event in pending.stored_events]
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline(),
            conn.transaction(),
        ):
            try:
                ids = self._record_group_in(conn.cursor(), group, events)
            except REFUSALS as error:
                raise GroupRefused(refusal_reason(error)) from error
        store_metrics.record_commit(saves=len(group), events=len(events))
        return split_ids(ids, group)

    def _record_group_in(
        self,
        curs: Cursor[DictRow],
        group: Sequence[PendingSave],
        events: Sequence[StoredEvent],
    ) -> list[int]:
        """In the caller's pipeline: the rows (one round trip), then the
        table lock, the events and their ids (one more, its sync); the
        ``COMMIT`` goes with the caller's last sync."""
        self._write_rows(curs, group)
        with curs.connection.pipeline():
            self._insert_stored_events(curs, events)
        ids = list(self._fetch_ids_after_insert_events(curs, events) or [])
        check_id_count(ids, events)
        return ids

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self._write_rows(curs, [PendingSave(stored_events, kwargs)])
        super()._insert_events(curs, stored_events, **kwargs)

    def _write_rows(self, curs: Cursor[DictRow], saves: Sequence[PendingSave]) -> None:
        """The rows that commit with these saves' events, a statement for each
        kind whatever the number of saves: new video links, occupancy, then
        the responses of keyed commands."""
        links = [
            (
                meeting.meeting_id,
                meeting.join_url,
                str(save.stored_events[0].originator_id),
            )
            for save in saves
            if (meeting := save.kwargs.get("video_meeting")) is not None
        ]
        if links:
            curs.execute(
                self.insert_video_links, [list(c) for c in zip(*links, strict=True)]
            )
        bookings = [b for save in saves for b in save.kwargs.get("bookings", ())]
        if bookings:
            self.occupancy.write(curs, bookings)
        kept = [
            response
            for save in saves
            if (response := save.kwargs.get("keyed_response")) is not None
        ]
        if kept:
            self.idempotency.complete(curs, kept)

    def notifications_after(
        self, position: int, limit: int, until: int | None = None
    ) -> list[Notification]:
        """Up to ``limit`` notifications after ``position`` (up to ``until``):
        the library's ``select_notifications`` for a projection's catch-up,
        its statement rendered once instead of built on every call."""
        params = {"after": position, "limit": limit, "until": until}
        statement = (
            self.select_notifications_after
            if until is None
            else self.select_notifications_between
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def with_history(self, appointment_ids: Sequence[str]) -> set[str]:
        """Those of the ids with a recorded first event (``application.ports.
        Histories``): one primary-key lookup per id."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_with_history, (list(appointment_ids),))
            return {str(row["originator_id"]) for row in curs.fetchall()}

    def _schedule_conflict(self, bookings: Sequence[Booking]) -> ScheduleConflict:
        """What stands in the way, read once the refused transaction is gone."""
        with self.datastore.transaction(commit=False) as curs:
            return ScheduleConflict(self.occupancy.conflicts(curs, bookings))

    def _is_double_booking(self, error: IntegrityError) -> bool:
        cause = error.__cause__
        return (
            isinstance(cause, psycopg.errors.ExclusionViolation)
            and cause.diag.constraint_name == self.occupancy.constraint
        )

    def _is_video_link_conflict(self, error: IntegrityError) -> bool:
        cause = error.__cause__
        return (
            isinstance(cause, psycopg.errors.UniqueViolation)
            and cause.diag.table_name == self.video_links_table
        )


def recorder_of(app: Application[str]) -> AppointmentsRecorder:
    """The application's recorder: the composition root configures this one."""
    if not isinstance(app.recorder, AppointmentsRecorder):
        raise TypeError("The appointments service needs its PostgreSQL recorder.")
    return app.recorder


class IdCountMismatch(Exception):
    """The insert returned another number of notification ids than events."""


REFUSALS = (
    psycopg.IntegrityError,
    psycopg.DataError,
    IdCountMismatch,
    ScheduleConflict,
)
"""Failures of a group's statements, raised before its commit: the group was
refused for what it holds, not for want of a database. A double booking is
one: redone save by save, only the save that books taken time is refused."""


def check_id_count(ids: Sequence[int], events: Sequence[StoredEvent]) -> None:
    if len(ids) != len(events):
        expected = f"expected {len(events)} notification ids, got {len(ids)}"
        raise IdCountMismatch(expected)


def split_ids(ids: Sequence[int], group: Sequence[PendingSave]) -> list[Sequence[int]]:
    split: list[Sequence[int]] = []
    for pending in group:
        split.append(ids[: len(pending.stored_events)])
        ids = ids[len(pending.stored_events) :]
    return split


def refusal_reason(error: BaseException) -> str:
    """Why a group was refused, without any stored value: the error's class
    and, for a constraint, its name (a message may quote the row)."""
    diag = getattr(error, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    name = type(error).__name__
    return f"{name} on {constraint}" if constraint else name


def report_fallback(group: Sequence[PendingSave], refusal: GroupRefused) -> None:
    """Log (ids and versions only) and count a group redone save by save."""
    saves = ", ".join(
        f"{event.originator_id}@{event.originator_version}"
        for pending in group
        for event in pending.stored_events
    )
    logger.warning(
        "group commit of %d saves refused (%s); saving each alone: %s",
        len(group),
        refusal,
        saves,
    )
    store_metrics.GROUP_FALLBACKS.inc()
