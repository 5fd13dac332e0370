"""Who made a change, when, and with which API key: every event carries it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def instant(at: int) -> datetime:
    return datetime.fromtimestamp(at / 1000, tz=UTC)


def stamp(changed_by: str, at: int, api_key: str | None) -> dict[str, Any]:
    """The keywords every event of a command is triggered with."""
    return {
        "changed_by": changed_by,
        "changed_at": at,
        "api_key": api_key,
        "timestamp": instant(at),
    }


def without_api_key(state: dict[str, Any]) -> None:
    """The upcaster for events stored before keys were recorded: made with
    none known (CONTRACT section 8: ``null``)."""
    state["api_key"] = None
