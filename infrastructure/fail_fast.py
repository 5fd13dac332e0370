"""The library retries a failed connection ten times, pausing between tries,
around most recorder methods. A request must instead fail within its own
timeouts (``503`` with ``Retry-After``: the client retries), and a write whose
commit failed must not be sent again blindly: its outcome is unknown, and a
second insert would report a conflict for a write that succeeded."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def unretried(method: Callable[..., Any]) -> Callable[..., Any]:
    """The library method without its retry decorator."""
    unwrapped: Callable[..., Any] = inspect.unwrap(method)
    return unwrapped
