"""Each endpoint's queue of events to deliver, and the record of attempts.

An event joins its endpoint's queue in the transaction that moves the
endpoint's tracked position past it (exactly once), leaves it in the
transaction that records its successful attempt, and is sent again until then
(at least once). Per appointment, only the queued event with the lowest
position (the head) may be sent: order per appointment holds across retries.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from application.errors import database_errors
from application.webhooks import Delivery
from infrastructure.webhooks.tables import WebhookTables


@dataclass(frozen=True)
class NewEvent:
    position: int
    appointment_id: str
    body: str


@dataclass(frozen=True)
class QueuedEvent:
    position: int
    appointment_id: str
    body: str
    attempts: int
    failures: int
    """Failed attempts in a row (since the endpoint was last enabled)."""
    failing_since: int | None
    next_attempt_at: int


ASYNCHRONOUS_COMMIT = SQL("SET LOCAL synchronous_commit = off")


@dataclass(frozen=True)
class Failure:
    failures: int
    failing_since: int
    next_attempt_at: int
    disable_reason: str | None
    """Set when the event has failed too long: the endpoint is disabled."""


@dataclass(frozen=True)
class Attempted:
    """An attempt to record, and how its event fails (None: it succeeded)."""

    attempt: Delivery
    failure: Failure | None


class DeliveryQueue:
    def __init__(self, tables: WebhookTables) -> None:
        self.tables = tables
        self.datastore = tables.datastore
        t = {
            "q": tables.queue,
            "e": tables.endpoints,
            "d": tables.deliveries,
            "t": tables.tracking,
        }
        self.insert_events = SQL(
            "INSERT INTO {q} (endpoint_id, position, appointment_id, body, "
            "next_attempt_at) SELECT %(e)s, p, a, b, %(now)s "
            "FROM unnest(%(positions)s::bigint[], %(appointments)s::text[], "
            "%(bodies)s::text[]) AS u(p, a, b) "
            "WHERE EXISTS (SELECT 1 FROM {t} WHERE application_name = %(e)s "
            "AND notification_id = %(expected)s) "
            "ON CONFLICT DO NOTHING RETURNING position"
        ).format(**t)
        self.claim_position = SQL(
            "SELECT notification_id FROM {t} WHERE application_name = %s FOR UPDATE"
        ).format(**t)
        self.move_position = SQL(
            "UPDATE {t} SET notification_id = %(up_to)s "
            "WHERE application_name = %(e)s AND notification_id = %(expected)s"
        ).format(**t)
        self.select_state = SQL(
            "SELECT (SELECT notification_id FROM {t} WHERE application_name = %(e)s) "
            "AS position, (SELECT count(*) FROM {q} WHERE endpoint_id = %(e)s) "
            "AS pending"
        ).format(**t)
        self.select_heads = SQL(
            "SELECT position, appointment_id, body, attempts, failures, "
            "failing_since, next_attempt_at FROM {q} h "
            "WHERE h.endpoint_id = %(e)s AND NOT h.position = ANY(%(busy)s) "
            "AND NOT EXISTS (SELECT 1 FROM {q} p WHERE p.endpoint_id = h.endpoint_id "
            "AND p.appointment_id = h.appointment_id AND p.position < h.position) "
            "ORDER BY h.next_attempt_at, h.position LIMIT %(limit)s"
        ).format(**t)
        self.insert_attempt = SQL(
            "INSERT INTO {d} (id, endpoint_id, position, attempt, status_code, "
            "error, duration_ms, attempted_at) SELECT %s, %s, %s, %s, %s, %s, %s, %s "
            "WHERE EXISTS (SELECT 1 FROM {e} WHERE id = %s)"
        ).format(**t)
        self.delete_event = SQL(
            "DELETE FROM {q} WHERE endpoint_id = %s AND position = %s"
        ).format(**t)
        self.update_failed = SQL(
            "UPDATE {q} SET attempts = attempts + 1, failures = %s, "
            "failing_since = %s, next_attempt_at = %s "
            "WHERE endpoint_id = %s AND position = %s"
        ).format(**t)
        self.disable = SQL(
            "UPDATE {e} SET status = 'disabled', disabled_reason = %s "
            "WHERE id = %s AND status = 'enabled'"
        ).format(**t)
        self.prune_attempts = SQL("DELETE FROM {d} WHERE attempted_at < %s").format(**t)

    def state(self, endpoint_id: str) -> tuple[int | None, int]:
        """The endpoint's position (None: deleted) and how many events it has
        queued."""
        with database_errors(), self.datastore.cursor() as curs:
            curs.execute(self.select_state, {"e": endpoint_id}, prepare=True)
            row = curs.fetchone()
        if row is None or row["position"] is None:
            return None, 0
        return int(row["position"]), int(row["pending"])

    def enqueue(
        self,
        endpoint_id: str,
        *,
        expected_position: int,
        events: Sequence[NewEvent],
        up_to: int,
        now_ms: int,
    ) -> tuple[int | None, int]:
        """Queue ``events`` and move the position to ``up_to``, if it still is
        ``expected_position`` (a replay may have moved it back); the position
        found (None: the endpoint is deleted), and how many events were added."""
        params = {
            "e": endpoint_id,
            "expected": expected_position,
            "up_to": up_to,
            "now": now_ms,
            "positions": [e.position for e in events],
            "appointments": [e.appointment_id for e in events],
            "bodies": [e.body for e in events],
        }
        with database_errors(), self._pipelined_transaction() as claim:
            conn = claim.connection
            with conn.cursor() as insert, conn.cursor() as move:
                claim.execute(self.claim_position, (endpoint_id,), prepare=True)
                insert.execute(self.insert_events, params, prepare=True)
                move.execute(self.move_position, params, prepare=True)
                row = claim.fetchone()
                added = len(insert.fetchall())
        return (None if row is None else int(row["notification_id"])), added

    @contextmanager
    def _pipelined_transaction(self) -> Iterator[Cursor[DictRow]]:
        with self._pipeline() as conn, self._transaction(conn) as curs:
            yield curs

    @contextmanager
    def _pipeline(self) -> Iterator[Connection[DictRow]]:
        """A connection whose statements go without waiting for each other's
        results (until one is read): fewer round trips."""
        with self.datastore.get_connection() as conn, conn.pipeline():
            yield conn

    @staticmethod
    @contextmanager
    def _transaction(conn: Connection[DictRow]) -> Iterator[Cursor[DictRow]]:
        """A transaction whose commit does not wait for the disk
        (``synchronous_commit = off``): should the database lose the last
        commits in a crash, their events are queued or sent again, which
        at-least-once delivery allows."""
        with conn.transaction(), conn.cursor() as curs:
            curs.execute(ASYNCHRONOUS_COMMIT)
            yield curs

    def settle(
        self,
        endpoint_id: str,
        attempts: Sequence[Attempted],
        busy: Collection[int],
        limit: int,
    ) -> list[QueuedEvent]:
        """Record ``attempts``, then read up to ``limit`` sendable events
        (one round trip). An attempt recorded: its event leaves the queue, or
        waits for its next try. A sendable event: the oldest queued event of
        its appointment, not ``busy`` (being sent); the soonest due first."""
        params = {"e": endpoint_id, "busy": list(busy), "limit": limit}
        with database_errors(), self._pipeline() as conn:
            if attempts:
                with self._transaction(conn) as curs:
                    for attempted in attempts:
                        self._record(curs, endpoint_id, attempted)
            with conn.cursor() as curs:
                curs.execute(self.select_heads, params, prepare=True)
                return [QueuedEvent(**row) for row in curs.fetchall()]

    def _record(
        self, curs: Cursor[DictRow], endpoint_id: str, attempted: Attempted
    ) -> None:
        attempt, failure = attempted.attempt, attempted.failure
        curs.execute(
            self.insert_attempt,
            (
                attempt.id,
                endpoint_id,
                attempt.event,
                attempt.attempt,
                attempt.status_code,
                attempt.error,
                attempt.duration_ms,
                attempt.attempted_at,
                endpoint_id,
            ),
            prepare=True,
        )
        if failure is None:
            curs.execute(self.delete_event, (endpoint_id, attempt.event), prepare=True)
            return
        curs.execute(
            self.update_failed,
            (
                failure.failures,
                failure.failing_since,
                failure.next_attempt_at,
                endpoint_id,
                attempt.event,
            ),
            prepare=True,
        )
        if failure.disable_reason is not None:
            curs.execute(self.disable, (failure.disable_reason, endpoint_id))

    def prune(self, before_ms: int) -> int:
        """Forget the attempts made before ``before_ms``; how many."""
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(self.prune_attempts, (before_ms,))
            return curs.rowcount
