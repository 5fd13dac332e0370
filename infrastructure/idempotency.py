"""Idempotency keys in PostgreSQL, so they hold across processes and restarts.

The table is the event store's (``IdempotencyTable``): its recorder creates
it, and records the response of a keyed command in the transaction that
records the command's events (``application.idempotency.Receipt``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from application.errors import database_errors
from application.idempotency import (
    KEY_LIFETIME_HOURS,
    Claim,
    ClaimOutcome,
    KeyedResponse,
    StoredResponse,
)

STALE_CLAIM_SECONDS = 60
"""A claim this old without a response belongs to a process that died."""


class IdempotencyTable:
    """The keys' table: its DDL, and the statement that stores responses."""

    def __init__(self, schema: str, name: str) -> None:
        self.name = name
        self.identifier = Identifier(schema, name)

    def create_statement(self) -> Composed:
        return SQL(
            "CREATE TABLE IF NOT EXISTS {t} ("
            "key text PRIMARY KEY, "
            "fingerprint text NOT NULL, "
            "claimed_at timestamptz NOT NULL DEFAULT now(), "
            "status integer, "
            "body jsonb, "
            "headers jsonb)"
        ).format(t=self.identifier)

    def complete(self, curs: Cursor[DictRow], kept: Sequence[KeyedResponse]) -> None:
        """Store each key's response (the key was claimed before)."""
        curs.execute(
            SQL(
                "UPDATE {t} AS i SET status = k.status, body = k.body, "
                "headers = k.headers FROM unnest(%s::text[], %s::int[], "
                "%s::jsonb[], %s::jsonb[]) AS k(key, status, body, headers) "
                "WHERE i.key = k.key"
            ).format(t=self.identifier),
            (
                [each.key for each in kept],
                [each.response.status for each in kept],
                [json.dumps(each.response.body) for each in kept],
                [json.dumps(each.response.headers) for each in kept],
            ),
        )


class PostgresIdempotencyStore:
    def __init__(self, datastore: PostgresDatastore, table: IdempotencyTable) -> None:
        self.datastore = datastore
        self.keys = table
        self.table = table.identifier

    def claim(self, key: str, fingerprint: str) -> Claim:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL(
                    "DELETE FROM {t} WHERE key = %s AND claimed_at < now() - "
                    "make_interval(hours => %s)"
                ).format(t=self.table),
                (key, KEY_LIFETIME_HOURS),
            )
            curs.execute(
                SQL(
                    "INSERT INTO {t} (key, fingerprint) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO NOTHING RETURNING key"
                ).format(t=self.table),
                (key, fingerprint),
            )
            if curs.fetchone() is not None:
                return Claim(ClaimOutcome.OWNED)
            return self._existing(curs, key, fingerprint)

    def complete(self, key: str, response: StoredResponse) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            self.keys.complete(curs, [KeyedResponse(key, response)])

    def release(self, key: str) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("DELETE FROM {t} WHERE key = %s AND status IS NULL").format(
                    t=self.table
                ),
                (key,),
            )

    def _existing(self, curs: Any, key: str, fingerprint: str) -> Claim:
        curs.execute(
            SQL(
                "SELECT fingerprint, status, body, headers, "
                "claimed_at < now() - make_interval(secs => %s) AS stale "
                "FROM {t} WHERE key = %s FOR UPDATE"
            ).format(t=self.table),
            (STALE_CLAIM_SECONDS, key),
        )
        row = curs.fetchone()
        if row is None or row["fingerprint"] != fingerprint:
            return Claim(ClaimOutcome.MISMATCH if row else ClaimOutcome.BUSY)
        if row["status"] is not None:
            stored = StoredResponse(row["status"], row["body"], row["headers"])
            return Claim(ClaimOutcome.REPLAY, stored)
        if row["stale"]:
            curs.execute(
                SQL("UPDATE {t} SET claimed_at = now() WHERE key = %s").format(
                    t=self.table
                ),
                (key,),
            )
            return Claim(ClaimOutcome.OWNED)
        return Claim(ClaimOutcome.BUSY)
