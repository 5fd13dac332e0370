"""Builders of valid inputs, so each test states only what it varies."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain.draft import AppointmentDraft

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
