"""A short in-process cache in front of the key store.

A resolved key is trusted for at most ``ttl`` seconds (0.5 s), then read
again: a revocation reaches every process within that time, with no message
between processes. Unknown secrets are not cached (each costs one indexed
read). ``last_used`` is written at most once per ``touch_every`` seconds per
key and process, never once per request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from application.access import ApiKey, ApiKeyStore
from application.ports import Clock
from infrastructure.api_keys import digest_of

CACHE_TTL_SECONDS = 0.5
TOUCH_EVERY_SECONDS = 60.0
MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True)
class _Entry:
    key: ApiKey
    fetched_at: float


class KeyCache:
    def __init__(
        self,
        store: ApiKeyStore,
        clock: Clock,
        *,
        ttl: float = CACHE_TTL_SECONDS,
        touch_every: float = TOUCH_EVERY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.touch_every = touch_every
        self.monotonic = monotonic
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def cached(self, secret: str) -> ApiKey | None:
        """The key if this process resolved it less than ``ttl`` ago and its
        ``last_used`` is not due: an answer that needs no database."""
        now = self.monotonic()
        with self._lock:
            entry = self._entries.get(digest_of(secret))
            if entry is None or now - entry.fetched_at >= self.ttl:
                return None
            if self._touch_due(entry.key.name, now):
                return None
        return entry.key

    def resolve(self, secret: str) -> ApiKey | None:
        """The active key with this secret: from the cache, else the store."""
        key = self.cached(secret)
        if key is None:
            key = self.store.find(secret)
            if key is not None:
                self._remember(secret, key)
        if key is not None:
            self._maybe_touch(key)
        return key

    def _remember(self, secret: str, key: ApiKey) -> None:
        digest = digest_of(secret)
        with self._lock:
            self._entries[digest] = _Entry(key, self.monotonic())
            self._entries.move_to_end(digest)
            while len(self._entries) > MAX_CACHED_KEYS:
                self._entries.popitem(last=False)

    def _maybe_touch(self, key: ApiKey) -> None:
        now = self.monotonic()
        with self._lock:
            if not self._touch_due(key.name, now):
                return
            self._touched[key.name] = now
        self.store.touch(key.name, self.clock.now_ms())

    def _touch_due(self, name: str, now: float) -> bool:
        last = self._touched.get(name)
        return last is None or now - last >= self.touch_every
