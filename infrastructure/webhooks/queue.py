"""Each endpoint's queue of events to deliver, and the record of attempts.

An event joins its endpoint's queue in the transaction that moves the
endpoint's tracked position past it (exactly once), leaves it in the
transaction that records its successful attempt, and is sent again until then
(at least once). Per appointment, only the queued event with the lowest
position (the head) may be sent: order per appointment holds across retries.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from psycopg import Cursor
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


@dataclass(frozen=True)
class Failure:
    failures: int
    failing_since: int
    next_attempt_at: int
    disable_reason: str | None
    """Set when the event has failed too long: the endpoint is disabled."""


class DeliveryQueue:
    def __init__(self, tables: WebhookTables) -> None:
        self.tables = tables
        self.datastore = tables.datastore
        t = {"q": tables.queue, "e": tables.endpoints, "d": tables.deliveries}
        self.insert_event = SQL(
            "INSERT INTO {q} (endpoint_id, position, appointment_id, body, "
            "next_attempt_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
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
        self.count_pending = SQL(
            "SELECT count(*) AS n FROM {q} WHERE endpoint_id = %s"
        ).format(**t)
        self.prune_attempts = SQL("DELETE FROM {d} WHERE attempted_at < %s").format(**t)

    def pending(self, endpoint_id: str) -> int:
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            curs.execute(self.count_pending, (endpoint_id,), prepare=True)
            row = curs.fetchone()
        return 0 if row is None else int(row["n"])

    def enqueue(
        self,
        endpoint_id: str,
        *,
        expected_position: int,
        events: Sequence[NewEvent],
        up_to: int,
        now_ms: int,
    ) -> int | None:
        """Queue ``events`` and move the position to ``up_to`` if it still is
        ``expected_position``; the position found (None: endpoint deleted)."""
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            position = self.tables.claim_position(curs, endpoint_id)
            if position != expected_position:
                return position
            rows = [
                (endpoint_id, e.position, e.appointment_id, e.body, now_ms)
                for e in events
            ]
            if rows:
                curs.executemany(self.insert_event, rows)
            self.tables.move_position(curs, endpoint_id, up_to)
        return expected_position

    def heads(
        self, endpoint_id: str, busy: Collection[int], limit: int
    ) -> list[QueuedEvent]:
        """Up to ``limit`` sendable events, the soonest due first: each the
        oldest queued event of its appointment, none of them being sent."""
        params = {"e": endpoint_id, "busy": list(busy), "limit": limit}
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_heads, params, prepare=True)
            return [QueuedEvent(**row) for row in curs.fetchall()]

    def delivered(self, endpoint_id: str, attempt: Delivery) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            self._record(curs, endpoint_id, attempt)
            curs.execute(self.delete_event, (endpoint_id, attempt.event), prepare=True)

    def failed(self, endpoint_id: str, attempt: Delivery, failure: Failure) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            self._record(curs, endpoint_id, attempt)
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

    def _record(
        self, curs: Cursor[DictRow], endpoint_id: str, attempt: Delivery
    ) -> None:
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

    def prune(self, before_ms: int) -> int:
        """Forget the attempts made before ``before_ms``; how many."""
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(self.prune_attempts, (before_ms,))
            return curs.rowcount
