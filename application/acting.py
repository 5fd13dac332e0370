"""Which API key the current command runs for (CONTRACT section 8).

The API sets it once per request, after authentication; the application stamps
it on every event the request's commands record. A context variable, so the
many commands and their helpers need no extra parameter, and each request
(each thread or task) sees its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ACTING_KEY: ContextVar[str | None] = ContextVar("acting_key", default=None)


def acting_key() -> str | None:
    """The name of the key the current request was made with, if any."""
    return _ACTING_KEY.get()


@contextmanager
def acting_as(name: str | None) -> Iterator[None]:
    token = _ACTING_KEY.set(name)
    try:
        yield
    finally:
        _ACTING_KEY.reset(token)
