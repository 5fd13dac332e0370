"""Schemathesis hooks for ``test_schemathesis.py``: the rules the OpenAPI
document can state only in words.

Every single value is described exactly (types, patterns, bounds, enums), so
any request the service refuses for one value's sake is a failure. What JSON
Schema cannot say is how two values relate (``end_time`` after
``start_time``), or what the store holds (a ``version`` the appointment had,
an appointment that is internal). Two hooks handle those rules, and nothing
else:

- ``map_case`` sends whole numbers as integers (JSON Schema takes ``1.0`` for
  an integer; the service's strict types do not), and mends generated
  creates, reschedules and updates to keep the rules (so that the stateful
  phase has appointments to follow links from, and changes them);
- ``filter_failure`` drops a "schema-valid request rejected" failure only when
  the service's ``400`` names one of ``BEYOND_THE_SCHEMA``.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.core.failures import Failure

HOUR_MS = 3_600_000
LATEST_END_MS = 4_133_980_800_000  # 2101-01-01T00:00Z, excluded
CREATE = ("POST", "/v1/appointments")
RESCHEDULE = ("POST", "/v1/appointments/{appointment_id}/reschedule")
UPDATES = {
    ("POST", "/v1/appointments/{appointment_id}"),
    ("PATCH", "/v1/appointments/{appointment_id}"),
}
SINGLE = {"is_recurring": False}
SERIES = {"is_recurring": True, "rule": "FREQ=DAILY;COUNT=3", "timezone": "UTC"}

BEYOND_THE_SCHEMA: dict[str, str] = {
    "end_time": r"'end_time' must be after 'start_time'|An appointment lasts at "
    r"most 24 hours",
    "actual_end_time": r"'actual_end_time' must not be before",
    "actual_start_time": r"'actual_start_time' only applies to non-recurring",
    "attendees": r"The host cannot also be an attendee|A non-group appointment "
    r"has at most one attendee",
    "reference_patients": r"'reference_patients' only applies to internal",
    "appointment_type": r"'appointment_type' only applies to external",
    "generated_from_type": r"'generated_from_type' and 'generated_from' come "
    r"together",
    "generated_from": r"'generated_from_type' and 'generated_from' come together",
    "location": r"'location' only applies to in-person",
    "location.address": r"An in-person appointment requires 'location.address'",
    "recurring.is_recurring": r"A single appointment's 'recurring' is|Only a "
    r"recurring series can be split",
    "recurring.rule": r"'recurring.rule' ",
    "recurring.timezone": r"'recurring.timezone' must be an IANA time zone",
    "start_time": r"'start_time' must be the series' first occurrence",
    "scope": r"The first occurrence starts the series|'scope': "
    r"'this_and_following' only goes with",
    # A webhook URL's scheme and address depend on the operator's setting
    # (APPOINTMENTS_WEBHOOK_ALLOW_PRIVATE) and on DNS at the time: docs/webhooks.md.
    "url": r"Invalid 'url': ",
    "as_of": r"Give at most one of 'version' and 'as_of'",
    "version": r"Appointment \S+ has versions 1 to \d+",
    "starting_after": r"'starting_after' names no known appointment|"
    r"'starting_after' names nothing known",
    "start_time_lt": r"'start_time_lt' must be after 'start_time_gte'|The window "
    r"may span at most 31 days",
}
"""For each ``param`` of a ``400``, the messages of rules that relate values
(or need the store): schema-valid requests they refuse are not a lie."""


@schemathesis.hook
def filter_failure(
    context: HookContext, failure: Failure, case: Case, response: Response
) -> bool:
    """Keep every failure but a 400 for a rule beyond the schema."""
    if failure.code != "ST202" or response.status_code != 400:
        return True
    error = response.json().get("error", {})
    rule = BEYOND_THE_SCHEMA.get(error.get("param") or "")
    return rule is None or re.match(rule, error.get("message", "")) is None


@schemathesis.hook
def map_case(context: HookContext, case: Case) -> Case:
    """A positive body with integers as such; a create, reschedule or update
    mended to keep the rules that relate its values."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    case.body = body = integers_as_such(case.body)
    operation = (case.method, case.path)
    if isinstance(body, dict) and operation == CREATE:
        case.body = bookable(one_hour_long(body))
    elif isinstance(body, dict) and operation == RESCHEDULE:
        case.body = one_hour_long(body)
    elif isinstance(body, dict) and operation in UPDATES:
        case.body = actual_times_in_order(body)
    return case


def integers_as_such(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integers_as_such(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integers_as_such(item) for item in value]
    return value


def one_hour_long(body: dict[str, Any]) -> dict[str, Any]:
    mended = dict(body)
    start = mended.get("start_time")
    if isinstance(start, int):
        mended["start_time"] = start = min(start, LATEST_END_MS - HOUR_MS)
        mended["end_time"] = start + HOUR_MS
    return mended


def actual_times_in_order(body: dict[str, Any]) -> dict[str, Any]:
    start, end = body.get("actual_start_time"), body.get("actual_end_time")
    if isinstance(start, int) and isinstance(end, int) and end < start:
        body = {**body, "actual_start_time": end, "actual_end_time": start}
    return body


def bookable(body: dict[str, Any]) -> dict[str, Any]:
    mended = dict(body)
    host = mended.get("host")
    attendees = [a for a in dict.fromkeys(mended.get("attendees") or []) if a != host]
    mended["attendees"] = attendees if mended.get("group") else attendees[:1]
    if mended.get("internal"):
        mended.pop("appointment_type", None)
    else:
        mended.pop("reference_patients", None)
    if (mended.get("generated_from") is None) != (
        mended.get("generated_from_type") is None
    ):
        mended.pop("generated_from", None)
        mended.pop("generated_from_type", None)
    if mended.get("interaction_type") == "in_person":
        mended.setdefault("location", None)
        mended["location"] = mended["location"] or {"address": "1 Main Street"}
    else:
        mended.pop("location", None)
    recurring = mended.get("recurring")
    if isinstance(recurring, dict):
        mended["recurring"] = SERIES if recurring.get("is_recurring") else SINGLE
    return mended
