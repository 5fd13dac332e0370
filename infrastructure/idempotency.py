"""Idempotency keys in PostgreSQL, so they hold across processes and restarts."""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL

from application.errors import database_errors
from application.idempotency import (
    KEY_LIFETIME_HOURS,
    Claim,
    ClaimOutcome,
    StoredResponse,
)
from infrastructure.tables import create_table_once

STALE_CLAIM_SECONDS = 60
"""A claim this old without a response belongs to a process that died."""


class PostgresIdempotencyStore:
    def __init__(self, datastore: PostgresDatastore, table: str) -> None:
        self.datastore = datastore
        self.table = create_table_once(
            datastore,
            table,
            "CREATE TABLE IF NOT EXISTS {t} ("
            "key text PRIMARY KEY, "
            "fingerprint text NOT NULL, "
            "claimed_at timestamptz NOT NULL DEFAULT now(), "
            "status integer, "
            "body jsonb, "
            "headers jsonb)",
        )

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
            curs.execute(
                SQL(
                    "UPDATE {t} SET status = %s, body = %s, headers = %s WHERE key = %s"
                ).format(t=self.table),
                (
                    response.status,
                    json.dumps(response.body),
                    json.dumps(response.headers),
                    key,
                ),
            )

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
