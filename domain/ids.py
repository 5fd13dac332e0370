"""Opaque prefixed identifiers."""

from __future__ import annotations

import re
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ID_BODY_LENGTH = 20
APPOINTMENT_PREFIX = "appt_"
CHANGE_LOG_PREFIX = "clog_"

APPOINTMENT_ID = re.compile(rf"^{APPOINTMENT_PREFIX}[0-9A-Za-z]{{{ID_BODY_LENGTH}}}$")
CHANGE_LOG_ID = re.compile(rf"^{CHANGE_LOG_PREFIX}[0-9A-Za-z]{{{ID_BODY_LENGTH}}}$")
CALLER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
OCCURRENCE_ID = re.compile(
    rf"^(?P<series>{APPOINTMENT_PREFIX}[0-9A-Za-z]{{{ID_BODY_LENGTH}}})_(?P<start>[0-9]{{1,15}})$"
)
ANY_APPOINTMENT_ID = re.compile(
    rf"^{APPOINTMENT_PREFIX}[0-9A-Za-z]{{{ID_BODY_LENGTH}}}(?:_[0-9]{{1,15}})?$"
)
"""What a list may hold: an appointment's (or series') id, or an occurrence's."""
CHANGE_LOG_OF_OCCURRENCE = re.compile(
    rf"^{CHANGE_LOG_PREFIX}[0-9A-Za-z]{{{ID_BODY_LENGTH}}}_[0-9]{{1,15}}$"
)


def new_appointment_id() -> str:
    body = "".join(secrets.choice(BASE62) for _ in range(ID_BODY_LENGTH))
    return APPOINTMENT_PREFIX + body


def is_appointment_id(value: str) -> bool:
    """A single appointment's or a series' id, or an occurrence's."""
    return APPOINTMENT_ID.fullmatch(value) is not None or is_occurrence_id(value)


def occurrence_id(series_id: str, original_start_time: int) -> str:
    """An occurrence's stable id: its series' id and its original start (ms)."""
    return f"{series_id}_{original_start_time}"


def is_occurrence_id(value: str) -> bool:
    return OCCURRENCE_ID.fullmatch(value) is not None


def parse_occurrence_id(value: str) -> tuple[str, int] | None:
    """The series id and original start of an occurrence id, else None."""
    match = OCCURRENCE_ID.fullmatch(value)
    if match is None:
        return None
    return match["series"], int(match["start"])


def change_log_id(appointment_id: str) -> str:
    return CHANGE_LOG_PREFIX + appointment_id.removeprefix(APPOINTMENT_PREFIX)


def appointment_id_of_change_log(clog_id: str) -> str | None:
    known = CHANGE_LOG_ID.fullmatch(clog_id) or CHANGE_LOG_OF_OCCURRENCE.fullmatch(
        clog_id
    )
    if known is None:
        return None
    return APPOINTMENT_PREFIX + clog_id.removeprefix(CHANGE_LOG_PREFIX)


def is_caller_id(value: str) -> bool:
    return CALLER_ID.fullmatch(value) is not None
