"""``appointments db grant-analyst ROLE``: read the analytics views, nothing else.

The views run with their owner's rights (they are not ``security_invoker``),
so the role needs no privilege on the tables beneath them. Default
privileges give it the views a rebuild or an upgrade creates again later.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from application.errors import database_errors
from infrastructure.analytics.views import analytics_schema


class UnknownRole(Exception):
    def __init__(self, role: str) -> None:
        super().__init__(
            f"No role named {role!r}; create it first "
            f"(CREATE ROLE \"{role}\" LOGIN PASSWORD '...')."
        )
        self.role = role


def grant_statements(service_schema: str, role: str) -> list[Composed]:
    """Revoke whatever the role held on the service's schema and on the
    analytics schema, then grant usage and select on the analytics views."""
    service = Identifier(service_schema)
    analytics = Identifier(analytics_schema(service_schema))
    statements = (
        "REVOKE ALL ON ALL TABLES IN SCHEMA {service} FROM {role}",
        "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {service} FROM {role}",
        "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {service} FROM {role}",
        "REVOKE ALL ON SCHEMA {analytics} FROM {role}",
        "REVOKE ALL ON ALL TABLES IN SCHEMA {analytics} FROM {role}",
        "GRANT USAGE ON SCHEMA {analytics} TO {role}",
        "GRANT SELECT ON ALL TABLES IN SCHEMA {analytics} TO {role}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {analytics} GRANT SELECT ON TABLES "
        "TO {role}",
    )
    return [
        SQL(each).format(service=service, analytics=analytics, role=Identifier(role))
        for each in statements
    ]


def grant_analyst(datastore: PostgresDatastore, role: str) -> None:
    """Idempotent: running it again leaves the same privileges."""
    with database_errors(), datastore.transaction(commit=True) as curs:
        curs.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if curs.fetchone() is None:
            raise UnknownRole(role)
        for statement in grant_statements(datastore.schema, role):
            curs.execute(statement)
