"""Webhook endpoints and their delivery attempts in PostgreSQL (the
``WebhookStore`` port)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Identifier
from psycopg.types.json import Jsonb

from application.errors import database_errors
from application.webhooks import (
    Delivery,
    Listed,
    UnknownWebhookCursor,
    WebhookEndpoint,
)
from infrastructure.webhooks.tables import WebhookTables

ENDPOINT_COLUMNS = SQL(
    "id, url, enabled_events, description, status, disabled_reason, created_at"
)
DELIVERY_COLUMNS = SQL(
    "id, position, attempt, status_code, error, duration_ms, attempted_at"
)
DISABLED_BY_REQUEST = "Disabled through the API."
COLUMN_OF_CHANGE = {
    "url": "url",
    "enabled_events": "enabled_events",
    "description": "description",
    "status": "status",
}


T = TypeVar("T")


@dataclass(frozen=True)
class Pages(Generic[T]):
    """A listing: its table and columns, what a row becomes, its order."""

    table: Identifier
    columns: SQL
    convert: Callable[[DictRow], T]
    newest_first: bool


def endpoint_of(row: DictRow) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row["id"],
        url=row["url"],
        enabled_events=tuple(row["enabled_events"]),
        description=row["description"],
        status=row["status"],
        disabled_reason=row["disabled_reason"],
        created_at=row["created_at"],
    )


def delivery_of(row: DictRow) -> Delivery:
    return Delivery(
        id=row["id"],
        event=row["position"],
        attempt=row["attempt"],
        status_code=row["status_code"],
        error=row["error"],
        duration_ms=row["duration_ms"],
        attempted_at=row["attempted_at"],
    )


class PostgresWebhookStore:
    def __init__(self, tables: WebhookTables) -> None:
        self.tables = tables
        self.datastore = tables.datastore

    def add(self, endpoint: WebhookEndpoint, secret: str, position: int) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "INSERT INTO {t} (id, url, enabled_events, description, secret, "
                    "status, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                ).format(t=self.tables.endpoints),
                (
                    endpoint.id,
                    endpoint.url,
                    Jsonb(list(endpoint.enabled_events)),
                    endpoint.description,
                    secret,
                    endpoint.status,
                    endpoint.created_at,
                ),
            )
            self.tables.start_tracking(curs, endpoint.id, position)

    def get(self, endpoint_id: str) -> WebhookEndpoint | None:
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            return self._get(curs, endpoint_id)

    def secret(self, endpoint_id: str) -> str | None:
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT secret FROM {t} WHERE id = %s").format(
                    t=self.tables.endpoints
                ),
                (endpoint_id,),
            )
            row = curs.fetchone()
        return None if row is None else str(row["secret"])

    def _get(self, curs: Cursor[DictRow], endpoint_id: str) -> WebhookEndpoint | None:
        curs.execute(
            SQL("SELECT {c} FROM {t} WHERE id = %s").format(
                c=ENDPOINT_COLUMNS, t=self.tables.endpoints
            ),
            (endpoint_id,),
        )
        row = curs.fetchone()
        return None if row is None else endpoint_of(row)

    def enabled_with_leaders(
        self, lock_prefix: str
    ) -> list[tuple[WebhookEndpoint, bool]]:
        """The enabled endpoints, each with whether some process holds the
        advisory lock named ``lock_prefix`` + its id (runs its deliveries)."""
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT {c}, EXISTS (SELECT 1 FROM pg_locks l "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND ((l.classid::bigint << 32) | l.objid::bigint) "
                    "= hashtextextended(%s || id, 0)) AS led "
                    "FROM {t} WHERE status = 'enabled' ORDER BY seq"
                ).format(c=ENDPOINT_COLUMNS, t=self.tables.endpoints),
                (lock_prefix,),
            )
            return [(endpoint_of(row), bool(row["led"])) for row in curs.fetchall()]

    def list(self, limit: int, starting_after: str | None) -> Listed[WebhookEndpoint]:
        pages = Pages(self.tables.endpoints, ENDPOINT_COLUMNS, endpoint_of, False)
        return self._page(pages, None, limit, starting_after)

    def deliveries(
        self, endpoint_id: str, limit: int, starting_after: str | None
    ) -> Listed[Delivery]:
        pages = Pages(self.tables.deliveries, DELIVERY_COLUMNS, delivery_of, True)
        return self._page(pages, endpoint_id, limit, starting_after)

    def _page(
        self,
        pages: Pages[T],
        endpoint_id: str | None,
        limit: int,
        starting_after: str | None,
    ) -> Listed[T]:
        """Up to ``limit`` rows in ``seq`` order after the cursor's row, and
        whether there are more."""
        table, newest_first = pages.table, pages.newest_first
        conditions: list[Composable] = [SQL("TRUE")]
        params: list[Any] = []
        if endpoint_id is not None:
            conditions.append(SQL("endpoint_id = %s"))
            params.append(endpoint_id)
        if starting_after is not None:
            compare = SQL("<" if newest_first else ">")
            conditions.append(
                SQL("seq {compare} (SELECT seq FROM {t} WHERE id = %s)").format(
                    compare=compare, t=table
                )
            )
            params.append(starting_after)
        statement = SQL("SELECT {c} FROM {t} WHERE {w} ORDER BY seq {o} LIMIT %s")
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            if starting_after is not None:
                self._check_cursor(curs, table, starting_after)
            curs.execute(
                statement.format(
                    c=pages.columns,
                    t=table,
                    w=SQL(" AND ").join(conditions),
                    o=SQL("DESC" if newest_first else "ASC"),
                ),
                [*params, limit + 1],
            )
            rows = curs.fetchall()
        return Listed([pages.convert(r) for r in rows[:limit]], len(rows) > limit)

    def _check_cursor(
        self, curs: Cursor[DictRow], table: Identifier, cursor: str
    ) -> None:
        curs.execute(SQL("SELECT 1 FROM {t} WHERE id = %s").format(t=table), (cursor,))
        if curs.fetchone() is None:
            raise UnknownWebhookCursor(cursor)

    def update(
        self, endpoint_id: str, changes: dict[str, Any]
    ) -> WebhookEndpoint | None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            before = self._get(curs, endpoint_id)
            if before is None:
                return None
            for field, value in changes.items():
                self._set(curs, endpoint_id, field, value)
            if changes.get("status") == "enabled" and before.status == "disabled":
                self._resume(curs, endpoint_id)
            elif changes.get("status") == "disabled" and before.status == "enabled":
                self._set_reason(curs, endpoint_id, DISABLED_BY_REQUEST)
            return self._get(curs, endpoint_id)

    def _set(
        self, curs: Cursor[DictRow], endpoint_id: str, field: str, value: Any
    ) -> None:
        column = Identifier(COLUMN_OF_CHANGE[field])
        stored = Jsonb(list(value)) if field == "enabled_events" else value
        curs.execute(
            SQL("UPDATE {t} SET {c} = %s WHERE id = %s").format(
                t=self.tables.endpoints, c=column
            ),
            (stored, endpoint_id),
        )

    def _set_reason(
        self, curs: Cursor[DictRow], endpoint_id: str, reason: str | None
    ) -> None:
        curs.execute(
            SQL("UPDATE {t} SET disabled_reason = %s WHERE id = %s").format(
                t=self.tables.endpoints
            ),
            (reason, endpoint_id),
        )

    def _resume(self, curs: Cursor[DictRow], endpoint_id: str) -> None:
        """Re-enabled: clear the reason, and let the pending events go at once."""
        self._set_reason(curs, endpoint_id, None)
        curs.execute(
            SQL(
                "UPDATE {t} SET failures = 0, failing_since = NULL, "
                "next_attempt_at = 0 WHERE endpoint_id = %s"
            ).format(t=self.tables.queue),
            (endpoint_id,),
        )

    def delete(self, endpoint_id: str) -> bool:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("DELETE FROM {t} WHERE application_name = %s").format(
                    t=self.tables.tracking
                ),
                (endpoint_id,),
            )
            curs.execute(
                SQL("DELETE FROM {t} WHERE id = %s RETURNING id").format(
                    t=self.tables.endpoints
                ),
                (endpoint_id,),
            )
            return curs.fetchone() is not None

    def rewind(self, endpoint_id: str, after: int) -> bool:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "UPDATE {t} SET notification_id = LEAST(notification_id, %s) "
                    "WHERE application_name = %s RETURNING notification_id"
                ).format(t=self.tables.tracking),
                (after, endpoint_id),
            )
            return curs.fetchone() is not None
