"""Where a projection stands: its position, the event store's head, the lag."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from infrastructure.advisory_locks import is_lock_held


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    """The last notification id the projection has applied (0 before any)."""
    head: int
    """The event store's largest notification id (0 when empty)."""
    runner_active: bool
    """Whether some process holds the projection's leader lock."""

    @property
    def lag(self) -> int:
        """Notification ids not yet applied (an upper bound on events: ids can
        have gaps left by rolled-back writes)."""
        return max(self.head - self.position, 0)


def runner_is_active(database_url: str, key: str) -> bool:
    with psycopg.connect(database_url, autocommit=True) as connection:
        return is_lock_held(connection, key)
