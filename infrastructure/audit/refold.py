"""Re-folding one stream's events and comparing the result with the read model."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import Mapper
from eventsourcing.utils import TopicError

from application.queries import AppointmentState
from domain.appointment import Appointment
from domain.history import fold
from domain.values import Document
from infrastructure.audit.findings import Check, Finding
from infrastructure.audit.links import StoredLink
from infrastructure.read_model.folding import PositionedEvent

DECODE_ERRORS = (ValueError, KeyError, TypeError, TopicError)
"""What decoding (and upcasting) a rewritten payload can raise."""

FOLD_ERRORS = (KeyError, AttributeError, TypeError, ValueError)
"""What evolving a document can raise when events were swapped or rewritten."""


def decode(
    links: Sequence[StoredLink], mapper: Mapper[str]
) -> tuple[list[PositionedEvent], list[Finding]]:
    """The stream's events as domain events, and a finding for each that isn't one."""
    decoded: list[PositionedEvent] = []
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
            decoded.append(PositionedEvent(link.position, event))
        else:
            topic = link.event.topic
            findings.append(undecodable(link, f"not an appointment event: {topic}"))
    return decoded, findings


def undecodable(link: StoredLink, reason: str) -> Finding:
    return Finding(link.appointment_id, link.version, Check.UNDECODABLE, reason)


def check_read_model(
    appointment_id: str,
    events: Sequence[PositionedEvent],
    row: AppointmentState | None,
    view_position: int,
) -> list[Finding]:
    """The read model's row equals the fold of the events up to its version,
    and shows at least every event its tracking position says it processed."""

    def found(version: int, detail: str) -> list[Finding]:
        return [Finding(appointment_id, version, Check.READ_MODEL, detail)]

    newest = max((version_of(e) for e in events), default=0)
    processed = max(
        (version_of(e) for e in events if e.position <= view_position), default=0
    )
    if row is None:
        return found(processed, "missing from the read model") if processed else []
    if not events:
        return found(row.version, "in the read model, but no event is stored")
    if row.version > newest:
        return found(row.version, f"read model ahead: the events end at v{newest}")
    if row.version < processed:
        return found(
            row.version,
            f"read model behind its own position, which covers v{processed}",
        )
    return compare_with_fold(appointment_id, events, row)


def compare_with_fold(
    appointment_id: str, events: Sequence[PositionedEvent], row: AppointmentState
) -> list[Finding]:
    shown = [e.event for e in events if version_of(e) <= row.version]
    try:
        folded: Document = fold(shown) or {}
    except FOLD_ERRORS as error:
        detail = f"{type(error).__name__}: {error}"
        return [Finding(appointment_id, row.version, Check.REFOLD_FAILED, detail)]
    fields = differing_fields(folded, row.document)
    if not fields:
        return []
    detail = "differs from the fold of its events in: " + ", ".join(fields)
    return [Finding(appointment_id, row.version, Check.READ_MODEL, detail)]


def version_of(positioned: PositionedEvent) -> int:
    return positioned.event.originator_version


def differing_fields(expected: Document, actual: Document) -> list[str]:
    return sorted(
        field
        for field in expected.keys() | actual.keys()
        if expected.get(field, ...) != actual.get(field, ...)
    )
