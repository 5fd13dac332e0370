"""``appointments db grant-analyst ROLE``, checked by connecting as a real role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.sql import SQL, Identifier
from typer.testing import CliRunner

from api.cli import cli
from infrastructure.analytics.views import analytics_schema
from infrastructure.bootstrap import Container
from tests.integration.analytics.seeded import Seeded


@pytest.fixture
def role(database_url: str) -> Iterator[str]:
    name = "analyst_" + uuid.uuid4().hex[:10]
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(SQL("CREATE ROLE {} LOGIN").format(Identifier(name)))
    yield name
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(SQL("DROP OWNED BY {}").format(Identifier(name)))
        admin.execute(SQL("DROP ROLE {}").format(Identifier(name)))


@pytest.fixture
def granted(cli_on_test_schema: CliRunner, seeded: Seeded, role: str) -> str:
    result = cli_on_test_schema.invoke(cli, ["db", "grant-analyst", role])
    assert result.exit_code == 0, result.output
    return role


def connect_as(database_url: str, role: str) -> psycopg.Connection[Any]:
    params = conninfo_to_dict(database_url)
    params.update(user=role, password="")
    return psycopg.connect(make_conninfo(**params), autocommit=True)


def service_tables(container: Container) -> list[str]:
    datastore = container.projections.view.datastore
    with datastore.cursor() as curs:
        curs.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (datastore.schema,)
        )
        return sorted(row["tablename"] for row in curs.fetchall())


def refused(connection: psycopg.Connection[Any], sql: str, *params: Any) -> bool:
    try:
        connection.execute(SQL(sql), params)  # type: ignore[arg-type]
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_the_role_reads_every_view(
    container: Container, database_url: str, granted: str
) -> None:
    analytics = analytics_schema(container.projections.view.datastore.schema)
    with connect_as(database_url, granted) as connection:
        counts = [
            connection.execute(
                SQL("SELECT count(*) FROM {}.{}").format(
                    Identifier(analytics), Identifier(view)
                )
            ).fetchone()
            for view in ("appointments", "attendees", "status_durations")
        ]
    # Attendees: four singles of one, four occurrences of two. Statuses:
    # A1-A4 have 4, 2, 2, 1; the occurrences 1, 2, 2, 1.
    assert counts == [(8,), (4 + 4 * 2,), (4 + 2 + 2 + 1 + 1 + 2 + 2 + 1,)]


def test_the_role_cannot_read_events_keys_or_any_table_of_the_service(
    container: Container, database_url: str, granted: str
) -> None:
    schema = container.projections.view.datastore.schema
    tables = service_tables(container)
    assert {"appointments_events", "appointments", "appointments_idempotency_keys"} <= (
        set(tables)
    )
    with connect_as(database_url, granted) as connection:
        for table in tables:
            assert refused(connection, f'SELECT * FROM "{schema}"."{table}"'), table
            assert refused(connection, f'DELETE FROM "{schema}"."{table}"'), table


def test_the_role_cannot_write(
    container: Container, database_url: str, granted: str
) -> None:
    schema = container.projections.view.datastore.schema
    analytics = analytics_schema(schema)
    with connect_as(database_url, granted) as connection:
        assert refused(
            connection,
            f'INSERT INTO "{schema}".appointments_events '
            "(originator_id, originator_version, topic, state) "
            "VALUES ('x', 1, 't', ''::bytea)",
        )
        for view in ("appointments", "attendees", "status_durations"):
            may_change = connection.execute(
                "SELECT has_table_privilege(%s, 'INSERT, UPDATE, DELETE, TRUNCATE')",
                (f'"{analytics}".{view}',),
            ).fetchone()
            assert may_change == (False,)
        assert refused(connection, f'CREATE TABLE "{analytics}".mine (x int)')
        assert refused(connection, f'CREATE VIEW "{analytics}".mine AS SELECT 1')


def test_granting_again_changes_nothing(
    cli_on_test_schema: CliRunner, container: Container, granted: str
) -> None:
    before = privileges(container, granted)

    result = cli_on_test_schema.invoke(cli, ["db", "grant-analyst", granted])

    assert result.exit_code == 0, result.output
    assert privileges(container, granted) == before


def test_it_revokes_what_the_role_held_on_the_service_tables(
    cli_on_test_schema: CliRunner,
    container: Container,
    database_url: str,
    seeded: Seeded,
    role: str,
) -> None:
    schema = container.projections.view.datastore.schema
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            SQL("GRANT USAGE ON SCHEMA {s} TO {r}; GRANT ALL ON {s}.{t} TO {r}").format(
                s=Identifier(schema),
                t=Identifier("appointments_events"),
                r=Identifier(role),
            )
        )

    result = cli_on_test_schema.invoke(cli, ["db", "grant-analyst", role])

    assert result.exit_code == 0, result.output
    with connect_as(database_url, role) as connection:
        assert refused(connection, f'SELECT * FROM "{schema}".appointments_events')


def test_the_role_keeps_its_access_after_a_rebuild(
    container: Container, database_url: str, granted: str
) -> None:
    container.projections.rebuild()

    analytics = analytics_schema(container.projections.view.datastore.schema)
    with connect_as(database_url, granted) as connection:
        row = connection.execute(
            SQL("SELECT count(*) FROM {}.daily_host_volume").format(
                Identifier(analytics)
            )
        ).fetchone()
    assert row == (6,)


def test_an_unknown_role_is_one_line_and_exit_code_1(
    cli_on_test_schema: CliRunner, container: Container
) -> None:
    result = cli_on_test_schema.invoke(cli, ["db", "grant-analyst", "nobody_here_x"])

    assert result.exit_code == 1
    assert result.stderr.startswith("appointments: No role named 'nobody_here_x'")
    assert result.stderr.count("\n") == 1


def privileges(container: Container, role: str) -> list[tuple[Any, ...]]:
    analytics = analytics_schema(container.projections.view.datastore.schema)
    with container.projections.view.datastore.cursor() as curs:
        curs.execute(
            "SELECT n.nspname, c.relname, c.relacl::text AS acl FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(%s) ORDER BY n.nspname, c.relname",
            ([analytics, container.projections.view.datastore.schema],),
        )
        rows = [(r["nspname"], r["relname"], r["acl"]) for r in curs.fetchall()]
        curs.execute(
            "SELECT defaclacl::text AS acl FROM pg_default_acl d "
            "JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = %s",
            (analytics,),
        )
        return [*rows, *[("default", "", r["acl"]) for r in curs.fetchall()]]
