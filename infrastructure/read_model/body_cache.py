"""An in-process cache of retrieve's response bodies: id -> (version, bytes).

Bounded (least recently used first out) and shared by the event loop, which
reads and fills it, and the projection thread, which invalidates it around
each batch (``AppointmentsView.apply``):

- before the batch's transaction, ``begin`` marks the batch's ids *in flux*
  and evicts them: while marked, ``get`` misses and ``fill`` refuses them;
- after it (committed or not), ``end`` evicts them again and unmarks them,
  before any waiting writer is woken.

Every invalidation moves a generation counter on. A reader takes a ``token``
before it reads the database and fills with it; a fill whose token is older
than the last invalidation is refused, so a row read before a batch
committed is never cached after the batch's eviction.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Collection

from application.queries import RenderedAppointment

DEFAULT_CAPACITY = 20_000


class BodyCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, RenderedAppointment] = OrderedDict()
        self._in_flux: Counter[str] = Counter()
        self._generation = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, appointment_id: str) -> RenderedAppointment | None:
        with self._lock:
            entry = self._entries.get(appointment_id)
            if entry is not None:
                self._entries.move_to_end(appointment_id)
            return entry

    def token(self) -> int:
        """Take before reading the database; give to ``fill``."""
        with self._lock:
            return self._generation

    def fill(self, appointment_id: str, entry: RenderedAppointment, token: int) -> bool:
        """Keep ``entry`` unless something was invalidated since ``token``,
        the id is in flux, or a newer version is kept; whether it was kept."""
        with self._lock:
            if token != self._generation or appointment_id in self._in_flux:
                return False
            kept = self._entries.get(appointment_id)
            if kept is not None and kept.version > entry.version:
                return False
            self._entries[appointment_id] = entry
            self._entries.move_to_end(appointment_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
            return True

    def begin(self, appointment_ids: Collection[str]) -> None:
        """A batch writing these ids is about to commit."""
        with self._lock:
            self._in_flux.update(appointment_ids)
            self._evict(appointment_ids)

    def end(self, appointment_ids: Collection[str]) -> None:
        """The batch ``begin`` announced has committed or rolled back."""
        with self._lock:
            self._in_flux.subtract(appointment_ids)
            self._in_flux += Counter()  # drops the ids no batch holds any more
            self._evict(appointment_ids)

    def in_flux(self, appointment_id: str) -> bool:
        with self._lock:
            return appointment_id in self._in_flux

    def evict(self, appointment_ids: Collection[str]) -> None:
        with self._lock:
            self._evict(appointment_ids)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def _evict(self, appointment_ids: Collection[str]) -> None:
        for appointment_id in appointment_ids:
            self._entries.pop(appointment_id, None)
        self._generation += 1
