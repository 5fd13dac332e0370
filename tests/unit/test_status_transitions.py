"""CONTRACT section 6: every allowed and every forbidden status transition.

The table below is copied from the contract, not imported from the domain,
so a change to ``domain/status.py`` that breaks the contract fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.appointment import Appointment
from domain.errors import InvalidAppointment, InvalidStatusTransition
from tests.builders import CREATED_AT, an_appointment

STATUSES = [
    "scheduled",
    "confirmed",
    "checked_in",
    "in_progress",
    "completed",
    "cancelled",
    "no_show",
]

CONTRACT_TRANSITIONS = {
    "scheduled": {"confirmed", "checked_in", "in_progress", "cancelled", "no_show"},
    "confirmed": {"checked_in", "in_progress", "cancelled", "no_show"},
    "checked_in": {"in_progress", "cancelled", "no_show"},
    "in_progress": {"completed"},
    "completed": set(),
    "cancelled": set(),
    "no_show": set(),
}

PATH_FROM_SCHEDULED = {
    "scheduled": [],
    "confirmed": ["confirmed"],
    "checked_in": ["checked_in"],
    "in_progress": ["in_progress"],
    "completed": ["in_progress", "completed"],
    "cancelled": ["cancelled"],
    "no_show": ["no_show"],
}


def pairs(allowed: bool) -> list[Any]:
    return [
        pytest.param(current, requested, id=f"{current}->{requested}")
        for current in STATUSES
        for requested in STATUSES
        if (requested in CONTRACT_TRANSITIONS[current]) is allowed
    ]


def an_appointment_in(status: str) -> Appointment:
    appointment = an_appointment()
    for step, next_status in enumerate(PATH_FROM_SCHEDULED[status], start=1):
        appointment.change_status(
            status=next_status, changed_by="user_host", at=CREATED_AT + step
        )
    assert appointment.document["status"] == status
    return appointment


def test_the_table_covers_all_49_pairs() -> None:
    assert len(pairs(allowed=True)) + len(pairs(allowed=False)) == 49


@pytest.mark.parametrize(("current", "requested"), pairs(allowed=True))
def test_allows_a_transition_the_contract_lists(current: str, requested: str) -> None:
    appointment = an_appointment_in(current)
    version = appointment.version

    appointment.change_status(status=requested, changed_by="user_x", at=CREATED_AT + 9)

    assert appointment.document["status"] == requested
    assert appointment.document["status_history"][-1] == {
        "status": requested,
        "changed_by": "user_x",
        "changed_at": CREATED_AT + 9,
        "reason": None,
    }
    assert appointment.version == version + 1


@pytest.mark.parametrize(("current", "requested"), pairs(allowed=False))
def test_refuses_a_transition_the_contract_does_not_list(
    current: str, requested: str
) -> None:
    appointment = an_appointment_in(current)
    version = appointment.version

    with pytest.raises(InvalidStatusTransition) as raised:
        appointment.change_status(
            status=requested, changed_by="user_x", at=CREATED_AT + 9
        )

    assert raised.value.param == "status"
    assert (raised.value.current, raised.value.requested) == (current, requested)
    assert appointment.version == version
    assert appointment.document["status"] == current


def test_refuses_an_unknown_status() -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().change_status(
            status="done", changed_by="user_x", at=CREATED_AT + 1
        )

    assert raised.value.param == "status"


def test_refuses_a_status_change_by_a_malformed_caller_id() -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().change_status(
            status="confirmed", changed_by="no way", at=CREATED_AT + 1
        )

    assert raised.value.param == "changed_by"


@pytest.mark.parametrize("reason", ["a\x00", "\ud800", "x" * 5001])
def test_refuses_a_malformed_reason(reason: str) -> None:
    with pytest.raises(InvalidAppointment) as raised:
        an_appointment().change_status(
            status="cancelled", changed_by="user_x", at=CREATED_AT + 1, reason=reason
        )

    assert raised.value.param == "reason"


def test_records_the_reason_on_the_event() -> None:
    appointment = an_appointment()

    appointment.change_status(
        status="cancelled", changed_by="user_x", at=CREATED_AT + 1, reason="Sick"
    )

    event = appointment.pending_events[-1]
    assert isinstance(event, Appointment.StatusChanged)
    assert event.reason == "Sick"
