"""Builders of valid inputs, so each test states only what it varies."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import strategies as st

from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.ids import new_appointment_id
from domain.status import TRANSITIONS
from domain.values import AttendanceStatus, PaymentStatus, Status

if TYPE_CHECKING:
    from application.service import AppointmentsApplication

HOUR_MS = 3_600_000
START = 1_767_261_600_000  # 2026-01-01T10:00:00Z


def a_draft(**overrides: Any) -> AppointmentDraft:
    """A valid draft. Tests build many at the same time for the same people,
    so it opts out of schedule conflicts (``allow_overlap``); the conflict
    tests (``test_conflicts.py``) ask for exclusive bookings themselves."""
    draft = AppointmentDraft(
        name="Annual Check-in",
        description="Annual check-in appointment for all patients",
        group=False,
        internal=False,
        start_time=START,
        end_time=START + HOUR_MS,
        host="user_host",
        attendees=["user_patient"],
        created_by="user_creator",
        allow_overlap=True,
    )
    return replace(draft, **overrides)


CREATED_AT = 1_767_225_600_000  # 2026-01-01T00:00:00Z
A_VIDEO_CALL = {
    "join_url": "https://meet.appointments.local/j/12345678901",
    "meeting_id": "12345678901",
}


def an_appointment(*, at: int = CREATED_AT, **overrides: Any) -> Appointment:
    """A freshly scheduled aggregate, with its creation event still pending."""
    draft = a_draft(**overrides)
    return Appointment.schedule(
        appointment_id=new_appointment_id(),
        draft=draft,
        video_call=A_VIDEO_CALL if draft.is_video_call else None,
        at=at,
    )


def a_cancelled_appointment() -> Appointment:
    appointment = an_appointment()
    appointment.change_status(
        status="cancelled", changed_by="user_host", at=CREATED_AT + 1
    )
    return appointment


# --- random valid commands, for property tests ----------------------------------

ATTENDEE_POOL = ("p1", "p2", "p3", "p4")
CALLERS = ("user_host", "user_a", "user_b")
TEXT = st.characters(codec="utf-8", exclude_characters="\x00")


def a_property_draft() -> AppointmentDraft:
    """A group, internal appointment: every kind of update applies to it."""
    return a_draft(group=True, internal=True, reference_patients=[], attendees=["p1"])


def scheduled_then_commanded(data: st.DataObject) -> Appointment:
    """An aggregate scheduled, then changed by up to 12 random valid commands
    (its events still pending)."""
    appointment = Appointment.schedule(
        appointment_id="appt_" + "P" * 20,
        draft=a_property_draft(),
        video_call=None,
        at=CREATED_AT,
    )
    at = CREATED_AT
    for _ in range(data.draw(st.integers(0, 12), label="steps")):
        if appointment.is_cancelled:
            break
        at += data.draw(st.integers(0, 3), label="ms later")
        data.draw(commands_for(appointment.document)).run_on(appointment, at)
    return appointment


@dataclass(frozen=True)
class Command:
    """One command, runnable on the aggregate or through the application."""

    verb: str
    arguments: dict[str, Any]

    def run_on(self, appointment: Appointment, at: int) -> None:
        getattr(appointment, self.verb)(at=at, **deepcopy(self.arguments))

    def run_through(self, app: AppointmentsApplication, appointment_id: str) -> Any:
        return getattr(app, self.verb)(appointment_id, **deepcopy(self.arguments))


def commands_for(document: dict[str, Any]) -> st.SearchStrategy[Command]:
    """Commands the appointment in ``document`` accepts (it must not be cancelled)."""
    options = [updates(), reschedules()]
    status = Status(document["status"])
    if TRANSITIONS[status]:
        options.append(status_changes(sorted(TRANSITIONS[status])))
    attendees = [a["id"] for a in document["attendees"]]
    if attendees:
        options.append(attendee_changes(attendees))
    return st.one_of(options)


def updates() -> st.SearchStrategy[Command]:
    actual_times = st.integers(START, START + HOUR_MS).flatmap(
        lambda start: st.tuples(st.just(start), st.integers(start, start + HOUR_MS))
    )
    changes = st.fixed_dictionaries(
        {},
        optional={
            "name": st.text(TEXT, min_size=1, max_size=20),
            "description": st.text(TEXT, max_size=20),
            "visit_note": st.none() | st.text(TEXT, min_size=1, max_size=20),
            "attendees": st.lists(st.sampled_from(ATTENDEE_POOL), unique=True),
            "reference_patients": st.lists(
                st.sampled_from(("pat_1", "pat_2")), unique=True
            ),
            "actual_times": actual_times,
        },
    ).map(_spread_actual_times)
    return st.builds(
        lambda by, c: Command(
            "update", {"changed_by": by, "changes": c, "allow_overlap": True}
        ),
        st.sampled_from(CALLERS),
        changes,
    )


def _spread_actual_times(changes: dict[str, Any]) -> dict[str, Any]:
    if "actual_times" in changes:
        start, end = changes.pop("actual_times")
        changes.update(actual_start_time=start, actual_end_time=end)
    return changes


def reschedules() -> st.SearchStrategy[Command]:
    return st.builds(
        lambda by, start, length: Command(
            "reschedule",
            {
                "changed_by": by,
                "start_time": start,
                "end_time": start + length,
                "allow_overlap": True,
            },
        ),
        st.sampled_from(CALLERS),
        st.integers(START - 30 * 24 * HOUR_MS, START + 30 * 24 * HOUR_MS),
        st.integers(1, 24 * HOUR_MS),
    )


def status_changes(allowed: list[Status]) -> st.SearchStrategy[Command]:
    return st.builds(
        lambda by, status, reason: Command(
            "change_status",
            {"changed_by": by, "status": status.value, "reason": reason},
        ),
        st.sampled_from(CALLERS),
        st.sampled_from(allowed),
        st.none() | st.text(TEXT, max_size=10),
    )


def attendee_changes(attendees: list[str]) -> st.SearchStrategy[Command]:
    changes = st.fixed_dictionaries(
        {},
        optional={
            "attendance_status": st.sampled_from([s.value for s in AttendanceStatus]),
            "no_show": st.booleans(),
            "payment_status": st.sampled_from([s.value for s in PaymentStatus]),
        },
    )
    return st.builds(
        lambda by, attendee_id, c: Command(
            "change_attendee",
            {"changed_by": by, "attendee_id": attendee_id, "changes": c},
        ),
        st.sampled_from(CALLERS),
        st.sampled_from(attendees),
        changes,
    )


# --- events as older releases stored them ----------------------------------------

ADDED_BY_UPCASTER: dict[type[Appointment.Event], dict[int, tuple[str, ...]]] = {
    Appointment.Created: {
        1: ("detached_from",),
        2: ("allow_overlap",),
        3: ("metadata",),
        4: ("api_key",),
    },
    Appointment.Updated: {1: ("allow_overlap",), 2: ("api_key",)},
    Appointment.StatusChanged: {1: ("reason",), 2: ("api_key",)},
    Appointment.AttendeeChanged: {1: ("allow_overlap",), 2: ("api_key",)},
}
"""Which fields each ``upcast_vN_vN+1`` gives a state of version N."""


def stored_as_version(
    mapper: Mapper[str], event: Appointment.Event, version: int
) -> StoredEvent:
    """``event`` as an older release stored it: without the fields added by
    the upcasters from ``version`` on, through the same compressor and cipher."""
    state = vars(event).copy()
    del state["originator_id"], state["originator_version"]
    added = ADDED_BY_UPCASTER[type(event)]
    for older in range(version, type(event).class_version):
        for field in added[older]:
            del state[field]
    if version > 1:
        state["class_version"] = version
    stored = mapper.transcoder.encode(state)
    if mapper.compressor:
        stored = mapper.compressor.compress(stored)
    if mapper.cipher:
        stored = mapper.cipher.encrypt(stored)
    return StoredEvent(
        event.originator_id, event.originator_version, get_topic(type(event)), stored
    )
