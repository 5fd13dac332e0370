"""What ``audit verify`` reports: each problem, named by appointment and version."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Check(StrEnum):
    VERSION_MISSING = "version missing"
    VERSION_INVALID = "version invalid"
    EVENT_DELETED = "event deleted"
    HASH_MISSING = "hash missing"
    HASH_MISMATCH = "hash mismatch"
    CHAIN_BROKEN = "chain broken"
    OUT_OF_ORDER = "out of order"
    UNDECODABLE = "undecodable"
    REFOLD_FAILED = "re-fold failed"
    READ_MODEL = "read model"
    DOUBLE_BOOKED = "double booked"
    """Two active appointments hold one person's time and neither opted into
    it: made before schedule conflicts were enforced (docs/conflicts.md)."""


@dataclass(frozen=True)
class Finding:
    appointment_id: str
    version: int
    check: Check
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    appointments: int
    events: int
    view_position: int
    unprojected_events: int
    """Events recorded after the read model's position: not compared with it."""
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def failing_appointments(self) -> int:
        return len({finding.appointment_id for finding in self.findings})
