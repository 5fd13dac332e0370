"""For random sequences of creates, reschedules and cancels, no person is ever
in two active appointments at once unless one of them opted in
(``allow_overlap``) when it booked that time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.service import AppointmentsApplication
from domain.errors import AppointmentCancelled, ScheduleConflict
from tests.builders import HOUR_MS, START, a_draft

QUARTER = HOUR_MS // 4
PEOPLE = ("ann", "bob", "cat", "dan")
starts = st.integers(0, 12).map(lambda n: START + n * QUARTER)
lengths = st.integers(1, 6).map(lambda n: n * QUARTER)


@dataclass(frozen=True)
class Create:
    host: str
    attendee: str
    start: int
    length: int
    allow_overlap: bool


@dataclass(frozen=True)
class Reschedule:
    which: int
    start: int
    length: int
    allow_overlap: bool


@dataclass(frozen=True)
class Cancel:
    which: int


creates = st.builds(
    Create,
    st.sampled_from(PEOPLE),
    st.sampled_from(PEOPLE),
    starts,
    lengths,
    st.booleans(),
).filter(lambda c: c.host != c.attendee)
operations = st.lists(
    st.one_of(
        creates,
        st.builds(Reschedule, st.integers(0, 20), starts, lengths, st.booleans()),
        st.builds(Cancel, st.integers(0, 20)),
    ),
    min_size=1,
    max_size=14,
)


@dataclass
class Booked:
    """What the test knows of one appointment it booked."""

    people: tuple[str, str]
    start: int
    end: int
    opted_in: bool
    active: bool = True

    def clashes_with(self, other: Booked) -> bool:
        return (
            self.active
            and other.active
            and bool(set(self.people) & set(other.people))
            and self.start < other.end
            and other.start < self.end
            and not (self.opted_in or other.opted_in)
        )


def run(
    app: AppointmentsApplication,
    operation: object,
    prefix: str,
    booked: dict[str, Booked],
) -> None:
    ids = list(booked)
    try:
        if isinstance(operation, Create):
            host, attendee = prefix + operation.host, prefix + operation.attendee
            end = operation.start + operation.length
            draft = a_draft(
                host=host,
                attendees=[attendee],
                start_time=operation.start,
                end_time=end,
                allow_overlap=operation.allow_overlap,
            )
            result = app.schedule(draft)
            booked[result.document["id"]] = Booked(
                (host, attendee), operation.start, end, operation.allow_overlap
            )
        elif isinstance(operation, Reschedule) and ids:
            appointment_id = ids[operation.which % len(ids)]
            end = operation.start + operation.length
            result = app.reschedule(
                appointment_id,
                start_time=operation.start,
                end_time=end,
                changed_by="u",
                allow_overlap=operation.allow_overlap,
            )
            if result.position is not None:
                old = booked[appointment_id]
                booked[appointment_id] = Booked(
                    old.people, operation.start, end, operation.allow_overlap
                )
        elif isinstance(operation, Cancel) and ids:
            appointment_id = ids[operation.which % len(ids)]
            if booked[appointment_id].active:
                app.change_status(appointment_id, status="cancelled", changed_by="u")
                booked[appointment_id].active = False
    except (ScheduleConflict, AppointmentCancelled):
        pass  # refused: the test's record stays as the store's


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=operations)
def test_nobody_is_double_booked_without_opting_in(
    app: AppointmentsApplication, operations: list[object]
) -> None:
    prefix = uuid.uuid4().hex[:8] + "_"  # each example books its own people
    booked: dict[str, Booked] = {}

    for operation in operations:
        run(app, operation, prefix, booked)

    for (a_id, a), (b_id, b) in combinations(booked.items(), 2):
        assert not a.clashes_with(b), (a_id, b_id)
    for appointment_id, expected in booked.items():
        document = app.get(appointment_id).document
        assert (document["start_time"], document["end_time"]) == (
            expected.start,
            expected.end,
        )
