"""The read model's position as this process knows it without asking the
database, so that writers waiting for the read model (read your writes) are
woken instead of polling the tracking table."""

from __future__ import annotations

import threading


class CommittedPositions:
    """The highest position a committed batch is known to have reached: told
    by this process's runner after each of its commits, and by the read
    model's ``LISTEN`` (``invalidation.CacheListener``) of every other
    process's batches. Either way the batch is committed and visible when
    it is told, so ``reached`` is never early; it may be late (nothing tells
    it of a rebuild's swap), which is why waiters still look at the tracking
    table now and then."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._position = 0
        self.hearing = threading.Event()
        """Set while the listener hears other processes' batches."""

    def announce(self, position: int) -> None:
        with self._changed:
            if position > self._position:
                self._position = position
                self._changed.notify_all()

    def reached(self, position: int) -> bool:
        with self._changed:
            return self._position >= position

    def wait_until(self, position: int, timeout: float) -> bool:
        """Whether a batch reaching ``position`` is told within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: self._position >= position, timeout)
