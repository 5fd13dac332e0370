"""For any sequence of commands, the projected row is the aggregate's
document, at the aggregate's version."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import AppointmentError
from domain.values import AttendanceStatus, PaymentStatus, Status
from infrastructure.bootstrap import Container
from tests.builders import HOUR_MS, START, a_draft
from tests.integration.read_model.helpers import (
    assert_view_matches_events,
    project_all,
)

PEOPLE = ("p_ann", "p_bob", "p_cy", "P_ann")
TEXT = st.text(alphabet="abcXYZ 09-", min_size=1, max_size=12)
HOURS = st.integers(min_value=0, max_value=72).map(lambda h: START + h * HOUR_MS)

updates = st.fixed_dictionaries(
    {},
    optional={
        "name": TEXT,
        "description": TEXT,
        "visit_note": st.none() | TEXT,
        "actual_start_time": st.none() | HOURS,
        "reference_patients": st.lists(st.sampled_from(PEOPLE), unique=True),
        "attendees": st.lists(st.sampled_from(PEOPLE), unique=True, max_size=3),
    },
)
commands = st.one_of(
    st.tuples(st.just("update"), updates),
    st.tuples(st.just("change_status"), st.sampled_from([s.value for s in Status])),
    st.tuples(st.just("reschedule"), HOURS),
    st.tuples(
        st.just("change_attendee"),
        st.tuples(
            st.sampled_from(PEOPLE),
            st.fixed_dictionaries(
                {},
                optional={
                    "attendance_status": st.sampled_from(list(AttendanceStatus)),
                    "payment_status": st.sampled_from(list(PaymentStatus)),
                    "no_show": st.booleans(),
                },
            ),
        ),
    ),
)


def run(container: Container, appointment_id: str, command: tuple[str, Any]) -> None:
    app, (verb, argument) = container.app, command
    if verb == "update":
        app.update(appointment_id, changed_by="u_p", changes=dict(argument))
    elif verb == "change_status":
        app.change_status(appointment_id, status=argument, changed_by="u_p")
    elif verb == "reschedule":
        app.reschedule(
            appointment_id,
            start_time=argument,
            end_time=argument + HOUR_MS,
            changed_by="u_p",
        )
    else:
        attendee, changes = argument
        changes = {k: str(v) if k != "no_show" else v for k, v in changes.items()}
        app.change_attendee(appointment_id, attendee, changed_by="u_p", changes=changes)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    internal=st.booleans(),
    group=st.booleans(),
    steps=st.lists(commands, max_size=8),
)
def test_the_projected_row_is_the_aggregate_document(
    container: Container, internal: bool, group: bool, steps: list[tuple[str, Any]]
) -> None:
    draft = a_draft(
        internal=internal,
        group=group,
        attendees=list(PEOPLE[:3] if group else PEOPLE[:1]),
        reference_patients=["p_zed"] if internal else None,
        appointment_type=None if internal else "consult",
    )
    appointment_id = container.app.schedule(draft).document["id"]
    for step in steps:
        with suppress(AppointmentError):  # a refused command records nothing
            run(container, appointment_id, step)

    project_all(container)

    aggregate = container.app.get(appointment_id)
    projected = container.read_model.get(appointment_id)
    assert projected is not None
    assert projected.document == aggregate.document
    assert projected.version == aggregate.version
    assert_view_matches_events(container)
