"""Builders of valid inputs, so each test states only what it varies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.ids import new_appointment_id

HOUR_MS = 3_600_000
START = 1_767_261_600_000  # 2026-01-01T10:00:00Z


def a_draft(**overrides: Any) -> AppointmentDraft:
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
