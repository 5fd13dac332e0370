"""The appointment document the CRUD baseline stores: every field the
service's appointment object has, built directly from the request."""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 20


def random_suffix() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def video_call() -> dict[str, str]:
    meeting_id = str(secrets.randbelow(10**11)).zfill(11)
    return {
        "join_url": f"https://meet.appointments.local/j/{meeting_id}",
        "meeting_id": meeting_id,
    }


def attendee(attendee_id: str, now: int) -> dict[str, Any]:
    return {
        "id": attendee_id,
        "attendance_status": "going",
        "no_show": False,
        "payment_status": "not_applicable",
        "last_updated_at": now,
    }


def appointment_document(body: dict[str, Any]) -> dict[str, Any]:
    now = time.time_ns() // 1_000_000
    suffix = random_suffix()
    is_video = body.get("interaction_type", "video_call") == "video_call"
    return {
        "id": "appt_" + suffix,
        "object": "appointment",
        "generated_from_type": body.get("generated_from_type"),
        "generated_from": body.get("generated_from"),
        "appointment_type": body.get("appointment_type"),
        "name": body["name"],
        "description": body["description"],
        "group": body["group"],
        "internal": body["internal"],
        "recurring": {"is_recurring": False},
        "start_time": body["start_time"],
        "end_time": body["end_time"],
        "actual_start_time": None,
        "actual_end_time": None,
        "host": body["host"],
        "attendees": [attendee(a, now) for a in body["attendees"]],
        "reference_patients": body.get("reference_patients")
        or ([] if body["internal"] else None),
        "interaction_type": body.get("interaction_type", "video_call"),
        "video_call": video_call() if is_video else None,
        "location": body.get("location"),
        "status": "scheduled",
        "status_history": [
            {"status": "scheduled", "changed_by": body["created_by"], "changed_at": now}
        ],
        "visit_note": None,
        "change_log": "clog_" + suffix,
        "created_by": body["created_by"],
        "created_at": now,
        "last_updated_at": now,
    }
