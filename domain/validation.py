"""Validation rules for new and changed appointments (CONTRACT section 5).

Each check raises ``InvalidAppointment`` naming the offending parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidAppointment, MissingParameter
from domain.ids import is_caller_id
from domain.values import (
    EARLIEST_START_MS,
    LATEST_END_MS,
    LOCATION_FIELD_MAX,
    MAX_DURATION_MS,
    GeneratedFromType,
    InteractionType,
)


def check_text(param: str, value: str, *, min_length: int, max_length: int) -> None:
    if "\x00" in value:
        raise InvalidAppointment(f"'{param}' must not contain NUL characters.", param)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidAppointment(
            f"'{param}' must be valid Unicode (no unpaired surrogates).", param
        ) from None
    if not min_length <= len(value) <= max_length:
        raise InvalidAppointment(
            f"'{param}' must be {min_length} to {max_length} characters long.", param
        )


def check_caller_id(param: str, value: str) -> None:
    if not is_caller_id(value):
        raise InvalidAppointment(
            f"'{param}' must match ^[A-Za-z0-9_-]{{1,64}}$ (got {value!r}).", param
        )


def check_id_list(param: str, values: Sequence[str]) -> None:
    for value in values:
        check_caller_id(param, value)
    if len(set(values)) != len(values):
        raise InvalidAppointment(f"'{param}' must not repeat an id.", param)


def check_instant(param: str, value: int) -> None:
    if not EARLIEST_START_MS <= value < LATEST_END_MS:
        raise InvalidAppointment(
            f"'{param}' must be a time from 2000-01-01T00:00Z up to (not including) "
            "2101-01-01T00:00Z, in Unix epoch milliseconds.",
            param,
        )


def check_planned_times(start_time: int, end_time: int) -> None:
    check_instant("start_time", start_time)
    check_instant("end_time", end_time)
    if end_time <= start_time:
        raise InvalidAppointment("'end_time' must be after 'start_time'.", "end_time")
    if end_time - start_time > MAX_DURATION_MS:
        raise InvalidAppointment("An appointment lasts at most 24 hours.", "end_time")


def check_actual_times(start: int | None, end: int | None) -> None:
    if start is not None:
        check_instant("actual_start_time", start)
    if end is not None:
        check_instant("actual_end_time", end)
    if start is not None and end is not None and end < start:
        raise InvalidAppointment(
            "'actual_end_time' must not be before 'actual_start_time'.",
            "actual_end_time",
        )


def check_attendees(attendees: Sequence[str], *, host: str, group: bool) -> None:
    check_id_list("attendees", attendees)
    if host in attendees:
        raise InvalidAppointment("The host cannot also be an attendee.", "attendees")
    if not group and len(attendees) > 1:
        raise InvalidAppointment(
            "A non-group appointment has at most one attendee.", "attendees"
        )


def check_reference_patients(patients: Sequence[str] | None, *, internal: bool) -> None:
    if patients is None:
        return
    if not internal:
        raise InvalidAppointment(
            "'reference_patients' only applies to internal appointments.",
            "reference_patients",
        )
    check_id_list("reference_patients", patients)


def check_generated_from(kind: str | None, source: str | None) -> None:
    if (kind is None) != (source is None):
        missing = "generated_from" if source is None else "generated_from_type"
        raise InvalidAppointment(
            "'generated_from_type' and 'generated_from' come together or not at all.",
            missing,
        )
    if kind is not None and kind not in set(GeneratedFromType):
        raise InvalidAppointment(
            "'generated_from_type' must be 'rule' or 'override'.", "generated_from_type"
        )
    if source is not None:
        check_caller_id("generated_from", source)


def check_appointment_type(appointment_type: str | None, *, internal: bool) -> None:
    if appointment_type is None:
        return
    if internal:
        raise InvalidAppointment(
            "'appointment_type' only applies to external appointments.",
            "appointment_type",
        )
    check_caller_id("appointment_type", appointment_type)


def check_interaction(interaction_type: str, location: dict[str, Any] | None) -> None:
    if interaction_type not in set(InteractionType):
        raise InvalidAppointment(
            "'interaction_type' must be 'video_call' or 'in_person'.",
            "interaction_type",
        )
    if interaction_type == InteractionType.VIDEO_CALL:
        if location is not None:
            raise InvalidAppointment(
                "'location' only applies to in-person appointments.", "location"
            )
        return
    if location is None or location.get("address") is None:
        raise MissingParameter(
            "An in-person appointment requires 'location.address'.",
            "location.address",
        )
    check_location(location)


def check_location(location: dict[str, Any]) -> None:
    unknown = set(location) - {"name", "address", "room"}
    if unknown:
        raise InvalidAppointment(
            f"Unknown location field '{sorted(unknown)[0]}'.",
            f"location.{sorted(unknown)[0]}",
        )
    check_text(
        "location.address",
        location["address"],
        min_length=1,
        max_length=LOCATION_FIELD_MAX,
    )
    for field in ("name", "room"):
        if location.get(field) is not None:
            check_text(
                f"location.{field}",
                location[field],
                min_length=1,
                max_length=LOCATION_FIELD_MAX,
            )


SERIES_FIELDS = frozenset(
    {
        "is_recurring",
        "rule",
        "timezone",
        "split_from",
        "continued_by",
        "occurrence_ids_from",
    }
)
"""A series' fields; the last three are set by splits (docs/recurring.md)."""
RULE_MAX = 500


def check_recurring(recurring: dict[str, Any]) -> None:
    """``{"is_recurring": false}``, or a series' rule and IANA time zone.

    The rule's meaning is checked by the application (it needs a parser the
    domain may not import); here its presence and form.
    """
    unknown = set(recurring) - SERIES_FIELDS
    if unknown:
        param = f"recurring.{sorted(unknown)[0]}"
        raise InvalidAppointment(f"Unknown field '{param}'.", param)
    if not isinstance(recurring.get("is_recurring"), bool):
        raise MissingParameter(
            "'recurring.is_recurring' is required.", "recurring.is_recurring"
        )
    if not recurring["is_recurring"]:
        if len(recurring) != 1:
            raise InvalidAppointment(
                "A single appointment's 'recurring' is {\"is_recurring\": false}.",
                "recurring.is_recurring",
            )
        return
    for field in ("rule", "timezone"):
        if not isinstance(recurring.get(field), str):
            raise MissingParameter(
                f"A series needs 'recurring.{field}'.", f"recurring.{field}"
            )
    check_text("recurring.rule", recurring["rule"], min_length=1, max_length=RULE_MAX)
    check_timezone(recurring["timezone"])


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidAppointment(
            f"'recurring.timezone' must be an IANA time zone such as "
            f"'Europe/Berlin' (got {name!r}).",
            "recurring.timezone",
        ) from None
