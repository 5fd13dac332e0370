"""Re-folding one stream's events and comparing the result with the read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.persistence import Mapper
from eventsourcing.utils import TopicError

from application.queries import AppointmentState
from domain.appointment import Appointment
from domain.history import fold
from domain.values import Document
from infrastructure.audit.findings import Check, Finding
from infrastructure.audit.links import StoredLink

DECODE_ERRORS = (ValueError, KeyError, TypeError, TopicError)
"""What decoding (and upcasting) a rewritten payload can raise."""

FOLD_ERRORS = (KeyError, AttributeError, TypeError, ValueError)
"""What evolving a document can raise when events were swapped or rewritten."""


@dataclass(frozen=True)
class Replayed:
    event: Appointment.Event
    position: int

    @property
    def version(self) -> int:
        return self.event.originator_version


def decode(
    links: Sequence[StoredLink], mapper: Mapper[str]
) -> tuple[list[Replayed], list[Finding]]:
    """The stream's events as domain events, and a finding for each that isn't one."""
    replayed: list[Replayed] = []
    findings: list[Finding] = []
    for link in links:
        if link.event is None or link.position is None:
            continue
        try:
            event = mapper.to_domain_event(link.event)
        except DECODE_ERRORS as error:
            findings.append(undecodable(link, str(error).splitlines()[0]))
            continue
        if isinstance(event, Appointment.Event):
            replayed.append(Replayed(event, link.position))
        else:
            topic = link.event.topic
            findings.append(undecodable(link, f"not an appointment event: {topic}"))
    return replayed, findings


def undecodable(link: StoredLink, reason: str) -> Finding:
    return Finding(link.appointment_id, link.version, Check.UNDECODABLE, reason)


def check_read_model(
    appointment_id: str,
    replayed: Sequence[Replayed],
    row: AppointmentState | None,
    view_position: int,
) -> list[Finding]:
    """The read model's row equals the fold of the events up to its version,
    and shows at least every event its tracking position says it processed."""

    def found(version: int, detail: str) -> list[Finding]:
        return [Finding(appointment_id, version, Check.READ_MODEL, detail)]

    newest = max((r.version for r in replayed), default=0)
    processed = max(
        (r.version for r in replayed if r.position <= view_position), default=0
    )
    if row is None:
        return found(processed, "missing from the read model") if processed else []
    if not replayed:
        return found(row.version, "in the read model, but no event is stored")
    if row.version > newest:
        return found(row.version, f"read model ahead: the events end at v{newest}")
    if row.version < processed:
        return found(
            row.version,
            f"read model behind its own position, which covers v{processed}",
        )
    return compare_with_fold(appointment_id, replayed, row)


def compare_with_fold(
    appointment_id: str, replayed: Sequence[Replayed], row: AppointmentState
) -> list[Finding]:
    events = [r.event for r in replayed if r.version <= row.version]
    try:
        folded: Document = fold(events) or {}
    except FOLD_ERRORS as error:
        detail = f"{type(error).__name__}: {error}"
        return [Finding(appointment_id, row.version, Check.REFOLD_FAILED, detail)]
    fields = differing_fields(folded, row.document)
    if not fields:
        return []
    detail = "differs from the fold of its events in: " + ", ".join(fields)
    return [Finding(appointment_id, row.version, Check.READ_MODEL, detail)]


def differing_fields(expected: Document, actual: Document) -> list[str]:
    return sorted(
        field
        for field in expected.keys() | actual.keys()
        if expected.get(field, ...) != actual.get(field, ...)
    )
