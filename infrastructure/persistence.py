"""The ``eventsourcing`` persistence factory: the library's PostgreSQL one,
with the service's own timeouts on every pooled connection."""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType

POOL_TIMEOUT = "APPOINTMENTS_POOL_TIMEOUT"
"""Seconds a request waits for a free pooled connection before failing."""
STATEMENT_TIMEOUT = "APPOINTMENTS_STATEMENT_TIMEOUT"
"""Seconds one statement may run (or wait for a lock) before it is cancelled."""


class AppointmentsFactory(PostgresFactory):
    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        pool = self.datastore.pool
        pool_timeout = self.env.get(POOL_TIMEOUT)
        if pool_timeout:
            pool.timeout = float(pool_timeout)
        statement_ms = round(float(self.env.get(STATEMENT_TIMEOUT) or 0) * 1000)
        if statement_ms > 0 and isinstance(pool.kwargs, dict):
            pool.kwargs["options"] = f"-c statement_timeout={statement_ms}"
