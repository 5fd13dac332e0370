"""A primary and its streaming replica, both of the tests' own, on 127.0.0.1.

The primary is ``OwnPostgres`` (``wal_level=replica`` is PostgreSQL's
default, and ``initdb --auth=trust`` admits replication connections from
127.0.0.1); the replica is ``pg_basebackup -R`` of it on a second port, a hot
standby streaming from it. The replica applies each commit ``apply_delay_ms``
late (``recovery_min_apply_delay``), so a read that did not wait for it would
miss the write it follows.
"""

from __future__ import annotations

import time

import psycopg

from tests.faults.postgres import OwnPostgres

REPLAY_SECONDS = 30
CAUGHT_UP = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"


class Replica(OwnPostgres):
    def __init__(self, primary: OwnPostgres, apply_delay_ms: int) -> None:
        super().__init__()
        self.primary = primary
        self.apply_delay_ms = apply_delay_ms

    def init(self) -> None:
        self.hand_root_to_server_user()
        self._run(
            "pg_basebackup",
            *("-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.primary.port)),
            *("-U", "postgres", "-R", "-X", "stream", "-c", "fast"),
        )
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"recovery_min_apply_delay = '{self.apply_delay_ms}ms'\n")
        self.start()

    def wait_until_replayed(self) -> None:
        """Until the replica has applied everything the primary has written."""
        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert row is not None
        deadline = time.monotonic() + REPLAY_SECONDS
        with psycopg.connect(self.url, autocommit=True) as conn:
            while conn.execute(CAUGHT_UP, (row[0],)).fetchone() != (True,):
                if time.monotonic() > deadline:
                    raise AssertionError("the replica did not catch up in time")
                time.sleep(0.01)


class ReplicatedPostgres:
    """A primary and one replica, started together and destroyed together."""

    def __init__(self, apply_delay_ms: int) -> None:
        self.primary = OwnPostgres()
        self.replica = Replica(self.primary, apply_delay_ms)

    def start(self) -> None:
        self.primary.init()
        self.replica.init()

    def ensure_replica_running(self) -> None:
        if not self.replica.is_running():
            self.replica.start()

    def destroy(self) -> None:
        self.replica.destroy()
        self.primary.destroy()
