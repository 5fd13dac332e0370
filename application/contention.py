"""Concurrent writers of one appointment (CONTRACT section 7: without If-Match
they are all applied, one after another).

Inside a process, ``WriterLocks`` lets one writer of an appointment at a time
load, change and save it, so that they do not conflict with each other in the
event store (nor in one group commit). Writers in other processes can still
win a version: ``RetryBudget`` spaces the retries with growing, jittered
pauses and gives up only when its time is spent.
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

FIRST_PAUSE_SECONDS = 0.005
LONGEST_PAUSE_SECONDS = 0.25


class _WriterLock:
    """A lock that can be held weakly (``threading.Lock`` cannot)."""

    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class WriterLocks:
    """One lock per appointment, kept only while a writer holds or awaits it:
    memory grows with the appointments being written now, not with the store."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: weakref.WeakValueDictionary[str, _WriterLock] = (
            weakref.WeakValueDictionary()
        )

    @contextmanager
    def hold(self, appointment_id: str) -> Iterator[None]:
        with self._guard:
            writer_lock = self._locks.get(appointment_id)
            if writer_lock is None:
                writer_lock = self._locks[appointment_id] = _WriterLock()
        with writer_lock.lock:
            yield

    def __len__(self) -> int:
        return len(self._locks)


@dataclass(frozen=True)
class RetryBudget:
    """Attempts at a write that another process may win: the first at once,
    each further one after a random pause up to twice the last ceiling
    ("full jitter"), while the pause still ends within ``seconds``."""

    seconds: float
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    monotonic: Callable[[], float] = field(default=time.monotonic, compare=False)
    jitter: Callable[[float, float], float] = field(
        default=random.uniform, compare=False
    )

    def attempts(self) -> Iterator[int]:
        """Attempt numbers from 1; the caller stops at its first success."""
        deadline = self.monotonic() + self.seconds
        attempt, ceiling = 1, FIRST_PAUSE_SECONDS
        yield attempt
        while True:
            pause = self.jitter(0.0, ceiling)
            if self.monotonic() + pause > deadline:
                return
            self.sleep(pause)
            attempt, ceiling = attempt + 1, min(ceiling * 2, LONGEST_PAUSE_SECONDS)
            yield attempt
