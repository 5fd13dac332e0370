"""A rebuild's replay, one appointment at a time.

Replaying the feed in order rewrites an appointment's rows once per event
(its events land in different batches). Reading the store by appointment
instead, every appointment is folded from all its events in memory and
written once: the fresh tables receive one row set per appointment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from psycopg.sql import SQL, Composed, Identifier

from domain.appointment import Appointment
from infrastructure.read_model.catch_up import EventFeed
from infrastructure.read_model.folding import evolve_states
from infrastructure.read_model.view import AppointmentsView

APPOINTMENTS_PER_BATCH = 1000

Progress = Callable[[int, int], None]
"""Told ``(events replayed, events to replay)`` after each batch."""


def replay_by_appointment(
    feed: EventFeed,
    fresh: AppointmentsView,
    until: int,
    on_progress: Progress | None = None,
) -> int:
    """Fold every appointment's events up to feed position ``until`` into the
    fresh tables, and record ``until`` as their position."""
    statements = ReplayStatements(feed)
    total = statements.count(until)
    done, after_id = 0, ""
    while True:
        ids = statements.appointment_ids(after_id, until)
        if not ids:
            break
        events = statements.events_of(ids, until, feed)
        with fresh.datastore.transaction(commit=True) as curs:
            fresh.writer.save(curs, list(evolve_states({}, events).values()))
        done, after_id = done + len(events), ids[-1]
        if on_progress is not None:
            on_progress(done, total)
    return fresh.apply([], Tracking(feed.name, until))


class ReplayStatements:
    """The store's events read by appointment, up to a feed position."""

    def __init__(self, feed: EventFeed) -> None:
        recorder = feed.recorder
        table = Identifier(recorder.datastore.schema, recorder.events_table_name)
        self.datastore = recorder.datastore
        self.select_count = SQL(
            "SELECT count(*) AS n FROM {t} WHERE notification_id <= %s"
        ).format(t=table)
        self.select_ids = SQL(
            "SELECT DISTINCT originator_id FROM {t} "
            "WHERE originator_id > %s AND notification_id <= %s "
            "ORDER BY originator_id LIMIT %s"
        ).format(t=table)
        self.select_events: Composed = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {t} "
            "WHERE originator_id = ANY(%s::text[]) AND notification_id <= %s "
            "ORDER BY originator_id, originator_version"
        ).format(t=table)

    def count(self, until: int) -> int:
        return int(self._fetch(self.select_count, (until,))[0]["n"])

    def appointment_ids(self, after_id: str, until: int) -> list[str]:
        rows = self._fetch(self.select_ids, (after_id, until, APPOINTMENTS_PER_BATCH))
        return [str(row["originator_id"]) for row in rows]

    def events_of(
        self, ids: list[str], until: int, feed: EventFeed
    ) -> list[Appointment.Event]:
        events: list[Appointment.Event] = []
        for row in self._fetch(self.select_events, (ids, until)):
            stored = StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            event = feed.mapper.to_domain_event(stored)
            if isinstance(event, Appointment.Event):
                events.append(event)
        return events

    def _fetch(self, statement: Composed, params: tuple[Any, ...]) -> list[Any]:
        with self.datastore.cursor() as curs:
            curs.execute(statement, params)
            return list(curs.fetchall())
