"""The law of event sourcing, for all inputs: the events rebuild the aggregate.

Each event goes through the same JSON mapping the event store uses, so a
field that does not survive storage fails here without a database.
"""

from __future__ import annotations

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.appointment import Appointment
from domain.history import change_log, fold
from tests.builders import scheduled_then_commanded


def a_mapper() -> Mapper[str]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


MAPPER = a_mapper()


def through_storage(events: list[Appointment.Event]) -> list[Appointment.Event]:
    stored = [MAPPER.to_stored_event(e) for e in events]
    return [MAPPER.to_domain_event(s) for s in stored]  # type: ignore[misc]


@settings(max_examples=75, deadline=None)
@given(data=st.data())
def test_the_stored_events_rebuild_the_aggregate_the_commands_produced(
    data: st.DataObject,
) -> None:
    appointment = scheduled_then_commanded(data)

    events = through_storage(appointment.collect_events())  # type: ignore[arg-type]

    rebuilt: Appointment | None = None
    for event in events:
        rebuilt = event.mutate(rebuilt)  # type: ignore[arg-type]
    assert rebuilt is not None
    assert rebuilt.document == appointment.document
    assert rebuilt.version == appointment.version == len(events)
    assert fold(events) == appointment.document


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_change_log_has_one_entry_per_event(data: st.DataObject) -> None:
    appointment = scheduled_then_commanded(data)
    events = appointment.collect_events()

    entries = change_log(events)  # type: ignore[arg-type]

    assert [e["version"] for e in entries] == list(range(1, len(events) + 1))
    assert entries[0]["event"] == "created"
    assert all(e["changes"] for e in entries)
