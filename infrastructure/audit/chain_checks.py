"""Checking one stream's hash chain, link by link.

Each link is checked against the *stored* hash of the version before it, so a
changed event is named alone rather than with every version after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from infrastructure.audit.chain import GENESIS, link_hash
from infrastructure.audit.findings import Check, Finding
from infrastructure.audit.links import StoredLink

SHOWN_HASH_CHARS = 12


def check_chain(appointment_id: str, links: Sequence[StoredLink]) -> list[Finding]:
    """Every version from 1 to the newest is present, hashed, chained and in
    feed order."""
    by_version = {link.version: link for link in links}
    newest = max(by_version, default=0)
    versions = sorted(set(range(1, newest + 1)) | by_version.keys())
    findings = [
        finding
        for version in versions
        for finding in check_link(appointment_id, version, by_version)
    ]
    return findings + check_order(links)


def check_link(
    appointment_id: str, version: int, by_version: dict[int, StoredLink]
) -> list[Finding]:
    def found(check: Check, detail: str) -> list[Finding]:
        return [Finding(appointment_id, version, check, detail)]

    link = by_version.get(version)
    if version < 1:
        return found(Check.VERSION_INVALID, "versions start at 1")
    if link is None:
        return found(Check.VERSION_MISSING, "neither the event nor its hash is stored")
    if link.event is None:
        return found(Check.EVENT_DELETED, "the event is gone; its hash remains")
    if link.stored_hash is None:
        return found(Check.HASH_MISSING, "no hash was recorded for this event")
    previous = previous_hash(version, by_version)
    if previous is None:
        return found(
            Check.CHAIN_BROKEN, f"no hash of version {version - 1} to chain from"
        )
    recomputed = link_hash(previous, link.encoding())
    if recomputed != link.stored_hash:
        return found(Check.HASH_MISMATCH, mismatch_detail(link.stored_hash, recomputed))
    return []


def previous_hash(version: int, by_version: dict[int, StoredLink]) -> bytes | None:
    if version == 1:
        return GENESIS
    previous = by_version.get(version - 1)
    return None if previous is None else previous.stored_hash


def mismatch_detail(stored: bytes, recomputed: bytes) -> str:
    return (
        f"the event's data or its hash was changed (stored "
        f"{stored.hex()[:SHOWN_HASH_CHARS]}…, recomputed "
        f"{recomputed.hex()[:SHOWN_HASH_CHARS]}…)"
    )


def check_order(links: Sequence[StoredLink]) -> list[Finding]:
    """Within a stream, feed positions rise with versions."""
    recorded = [link for link in links if link.position is not None]
    return [
        Finding(
            later.appointment_id,
            later.version,
            Check.OUT_OF_ORDER,
            f"at feed position {later.position}, before version "
            f"{earlier.version} at {earlier.position}",
        )
        for earlier, later in pairwise(recorded)
        if (later.position or 0) <= (earlier.position or 0)
    ]
