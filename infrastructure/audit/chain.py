"""The hash chain over each appointment's stored events (see docs/audit.md).

``link_hash(previous, canonical_encoding(event))`` is the hash recorded for an
event; ``previous`` is the hash recorded for the version before it, or
``GENESIS`` for version 1. PostgreSQL computes the same bytes in the trigger
of ``infrastructure.audit.schema``; this module recomputes them independently.
"""

from __future__ import annotations

import hashlib

GENESIS = bytes(32)
"""What version 1 chains from: 32 zero bytes."""


def canonical_encoding(
    originator_id: str, originator_version: int, topic: str, state: bytes
) -> bytes:
    """The stored event's data as one unambiguous byte string:
    ``len32(id) id || int64(version) || len32(topic) topic || len32(state) state``,
    text in UTF-8, integers big-endian and signed (PostgreSQL's ``int4send``
    and ``int8send``)."""
    return (
        length_prefixed(originator_id.encode("utf-8"))
        + originator_version.to_bytes(8, "big", signed=True)
        + length_prefixed(topic.encode("utf-8"))
        + length_prefixed(state)
    )


def length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big", signed=True) + data


def link_hash(previous: bytes, encoding: bytes) -> bytes:
    """SHA-256 of the previous link's hash followed by this event's encoding."""
    return hashlib.sha256(previous + encoding).digest()
