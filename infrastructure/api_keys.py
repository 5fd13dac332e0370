"""API keys in PostgreSQL: only a SHA-256 digest of each secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed

from application.access import (
    ApiKey,
    DuplicateKeyName,
    KeyNotFound,
    Scope,
    check_key_name,
)
from application.errors import database_errors
from infrastructure.tables import create_table_once

SECRET_PREFIX = "sk_"
SECRET_LENGTH = 43
"""Base62 characters after the prefix: about 256 bits from ``secrets``."""
BASE62 = string.ascii_letters + string.digits

EPOCH_MS = "(extract(epoch FROM {column}) * 1000)::bigint"
COLUMNS = SQL(
    "name, scopes, digest, "
    + EPOCH_MS.format(column="created_at")
    + " AS created_at, "
    + EPOCH_MS.format(column="last_used_at")
    + " AS last_used_at, "
    + EPOCH_MS.format(column="revoked_at")
    + " AS revoked_at"
)


def new_secret() -> str:
    return SECRET_PREFIX + "".join(secrets.choice(BASE62) for _ in range(SECRET_LENGTH))


def digest_of(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


class PostgresApiKeyStore:
    """Names are unique forever (a revoked key keeps its row), so a name in
    the audit trail always means one key."""

    def __init__(self, datastore: PostgresDatastore, table: str) -> None:
        self.datastore = datastore
        self.table = create_table_once(
            datastore,
            table,
            "CREATE TABLE IF NOT EXISTS {t} ("
            "name text PRIMARY KEY, "
            "digest bytea NOT NULL UNIQUE, "
            "scopes text[] NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now(), "
            "last_used_at timestamptz, "
            "revoked_at timestamptz)",
        )

    def create(self, name: str, scopes: frozenset[Scope]) -> str:
        secret = new_secret()
        if not self._insert(check_key_name(name), scopes, secret, only_first=False):
            raise DuplicateKeyName(name)
        return secret

    def create_initial(self, name: str, scopes: frozenset[Scope]) -> str | None:
        secret = new_secret()
        created = self._insert(check_key_name(name), scopes, secret, only_first=True)
        return secret if created else None

    def find(self, secret: str) -> ApiKey | None:
        digest = digest_of(secret)
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            curs.execute(
                self._sql(
                    "SELECT {columns} FROM {t} WHERE digest = %s AND revoked_at IS NULL"
                ),
                (digest,),
                prepare=True,
            )
            row = curs.fetchone()
        # The lookup is by digest; confirming it in constant time costs nothing.
        if row is None or not hmac.compare_digest(bytes(row["digest"]), digest):
            return None
        return _key_of(row)

    def all(self) -> Sequence[ApiKey]:
        with database_errors(), self.datastore.transaction(commit=False) as curs:
            curs.execute(self._sql("SELECT {columns} FROM {t} ORDER BY name"))
            return [_key_of(row) for row in curs.fetchall()]

    def revoke(self, name: str) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "UPDATE {t} SET revoked_at = now() "
                    "WHERE name = %s AND revoked_at IS NULL RETURNING name"
                ),
                (name,),
            )
            if curs.fetchone() is None:
                raise KeyNotFound(name)

    def touch(self, name: str, at_ms: int) -> None:
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "UPDATE {t} SET last_used_at = to_timestamp(%s / 1000.0) "
                    "WHERE name = %s AND (last_used_at IS NULL "
                    "OR last_used_at < to_timestamp(%s / 1000.0))"
                ),
                (at_ms, name, at_ms),
            )

    def _insert(
        self, name: str, scopes: frozenset[Scope], secret: str, *, only_first: bool
    ) -> bool:
        condition = "WHERE NOT EXISTS (SELECT 1 FROM {t})" if only_first else ""
        with database_errors(), self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "INSERT INTO {t} (name, digest, scopes) SELECT %s, %s, %s "
                    + condition
                    + " ON CONFLICT DO NOTHING RETURNING name"
                ),
                (name, digest_of(secret), sorted(scope.value for scope in scopes)),
            )
            return curs.fetchone() is not None

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(t=self.table, columns=COLUMNS)


def _key_of(row: Any) -> ApiKey:
    return ApiKey(
        name=row["name"],
        scopes=frozenset(Scope(value) for value in row["scopes"]),
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )
