"""API keys in PostgreSQL, their cache, and ``appointments keys``."""

from __future__ import annotations

import hashlib
import re

import psycopg
import pytest
from psycopg.sql import SQL, Identifier
from typer.testing import CliRunner

from api.cli import cli
from application.access import (
    ApiKey,
    DuplicateKeyName,
    KeyNotFound,
    Scope,
    UnknownScope,
    parse_scopes,
)
from infrastructure.api_keys import PostgresApiKeyStore
from infrastructure.bootstrap import Container
from infrastructure.key_cache import KeyCache
from tests.fakes import ManualClock

SECRET = re.compile(r"sk_[A-Za-z0-9]{40,}")
ADMIN = frozenset({Scope.ADMIN})


def stored_rows(database_url: str, schema: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        table = Identifier(schema, "appointments_api_keys")
        return conn.execute(SQL("SELECT * FROM {}").format(table)).fetchall()


def test_only_a_digest_of_the_secret_is_stored(
    container: Container, database_url: str, schema: str
) -> None:
    secret = container.api_keys.create("ci", ADMIN)

    rows = stored_rows(database_url, schema)

    assert SECRET.fullmatch(secret)
    assert secret not in repr(rows)
    assert hashlib.sha256(secret.encode()).digest() in [bytes(r[1]) for r in rows]


def test_secrets_are_distinct(container: Container) -> None:
    secrets = {container.api_keys.create(f"k{i}", ADMIN) for i in range(20)}

    assert len(secrets) == 20


def test_find_returns_the_active_key_only(container: Container) -> None:
    secret = container.api_keys.create("reader", frozenset({Scope.APPOINTMENTS_READ}))

    found = container.api_keys.find(secret)
    container.api_keys.revoke("reader")

    assert found is not None
    assert (found.name, found.scopes) == ("reader", {Scope.APPOINTMENTS_READ})
    assert container.api_keys.find(secret) is None
    assert container.api_keys.find(secret + "x") is None


def test_names_are_never_reused(container: Container) -> None:
    container.api_keys.create("ci", ADMIN)
    container.api_keys.revoke("ci")

    with pytest.raises(DuplicateKeyName):
        container.api_keys.create("ci", ADMIN)
    with pytest.raises(KeyNotFound):
        container.api_keys.revoke("ci")


def test_the_initial_key_is_made_only_on_an_empty_store(container: Container) -> None:
    first = container.api_keys.create_initial("initial-admin", ADMIN)
    again = container.api_keys.create_initial("initial-admin", ADMIN)
    container.api_keys.revoke("initial-admin")
    after_revoking = container.api_keys.create_initial("other", ADMIN)

    assert first is not None
    assert SECRET.fullmatch(first)
    assert again is None
    assert after_revoking is None


def test_scopes_are_parsed_strictly() -> None:
    assert parse_scopes("admin, audit:read") == {Scope.ADMIN, Scope.AUDIT_READ}
    with pytest.raises(UnknownScope):
        parse_scopes("appointments:read,appointments:delete")


def test_admin_implies_every_scope() -> None:
    admin = ApiKey("a", ADMIN, created_at=0)
    reader = ApiKey("r", frozenset({Scope.APPOINTMENTS_READ}), created_at=0)

    assert all(admin.grants(scope) for scope in Scope)
    assert (
        reader.missing([Scope.APPOINTMENTS_READ, Scope.AUDIT_READ]) == Scope.AUDIT_READ
    )


class CountingStore(PostgresApiKeyStore):
    """The real store, counting its reads and last-used writes."""

    finds = 0
    touches = 0

    def find(self, secret: str) -> ApiKey | None:
        self.finds += 1
        return super().find(secret)

    def touch(self, name: str, at_ms: int) -> None:
        self.touches += 1
        super().touch(name, at_ms)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def counting(container: Container) -> CountingStore:
    return CountingStore(container.app.recorder.datastore, "appointments_api_keys")  # type: ignore[attr-defined]


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def cache(
    counting: CountingStore, clock: ManualClock, monotonic: FakeMonotonic
) -> KeyCache:
    return KeyCache(counting, clock, ttl=0.5, monotonic=monotonic)


def test_a_revocation_is_seen_once_the_cache_entry_expires(
    counting: CountingStore, cache: KeyCache, monotonic: FakeMonotonic
) -> None:
    secret = counting.create("leaving", ADMIN)
    assert cache.resolve(secret) is not None

    counting.revoke("leaving")
    monotonic.now += 0.4
    still_cached = cache.resolve(secret)
    monotonic.now += 0.1

    assert still_cached is not None
    assert cache.resolve(secret) is None


def test_last_used_is_written_once_a_minute_not_per_request(
    counting: CountingStore, cache: KeyCache, monotonic: FakeMonotonic
) -> None:
    secret = counting.create("busy", ADMIN)

    for _ in range(100):
        monotonic.now += 0.1
        cache.resolve(secret)
    touches_in_ten_seconds = counting.touches
    monotonic.now += 60
    cache.resolve(secret)

    assert touches_in_ten_seconds == 1
    assert counting.touches == 2
    assert counting.finds <= 100 * 0.1 / 0.5 + 2
    (listed,) = counting.all()
    assert listed.last_used_at is not None


def test_keys_create_prints_the_secret_alone(cli_on_test_schema: CliRunner) -> None:
    result = cli_on_test_schema.invoke(
        cli,
        ["keys", "create", "--name", "ci", "--scopes", "appointments:read,audit:read"],
    )

    assert result.exit_code == 0, result.output
    assert SECRET.fullmatch(result.stdout.strip())
    assert result.stdout.count("\n") == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--name", "x", "--scopes", "appointments:delete"], "unknown scope"),
        (["--name", "bad name", "--scopes", "admin"], "invalid key name"),
        (["--name", "x", "--scopes", ""], "at least one scope"),
    ],
)
def test_keys_create_refuses_bad_input_with_one_line(
    cli_on_test_schema: CliRunner, arguments: list[str], message: str
) -> None:
    result = cli_on_test_schema.invoke(cli, ["keys", "create", *arguments])

    assert result.exit_code != 0
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_keys_create_refuses_a_duplicate_name(cli_on_test_schema: CliRunner) -> None:
    command = ["keys", "create", "--name", "ci", "--scopes", "admin"]
    cli_on_test_schema.invoke(cli, command)

    again = cli_on_test_schema.invoke(cli, command)

    assert again.exit_code == 1
    assert again.stdout == ""
    assert "exists already" in again.stderr


def test_keys_list_shows_no_secret_and_revoke_marks_the_key(
    cli_on_test_schema: CliRunner,
) -> None:
    create = ["keys", "create", "--name", "ci", "--scopes", "admin"]
    secret = cli_on_test_schema.invoke(cli, create).stdout.strip()

    revoked = cli_on_test_schema.invoke(cli, ["keys", "revoke", "ci"])
    listed = cli_on_test_schema.invoke(cli, ["keys", "list"], env={"COLUMNS": "200"})
    unknown = cli_on_test_schema.invoke(cli, ["keys", "revoke", "nobody"])

    assert revoked.exit_code == 0
    assert "ci" in listed.stdout
    assert "admin" in listed.stdout
    assert secret not in listed.stdout
    assert re.search(r"ci .*admin.*\d{4}-\d\d-\d\dT.*\d{4}-\d\d-\d\dT", listed.stdout)
    assert unknown.exit_code == 1
    assert "no active key" in unknown.stderr


def test_encryption_key_prints_a_new_key() -> None:
    runner = CliRunner()

    first, second = (runner.invoke(cli, ["encryption-key"]) for _ in range(2))

    assert first.exit_code == 0
    assert first.stdout != second.stdout
    assert len(first.stdout.strip()) == 44  # base64 of 32 bytes
