"""Schemathesis hooks for ``test_schemathesis.py``: the rules the OpenAPI
document can state only in words.

Every single value is described exactly (types, patterns, bounds, enums),
and so is a relation JSON Schema can state by values alone (the status
change's ``scope``), so any request the service refuses for those is a
failure. What the document does not state in JSON Schema is how two values
relate by size or sameness (``end_time`` after ``start_time``), what the
store or the world holds (a ``version`` the appointment had, an appointment
that is internal, a host name that resolves), and, on create, which fields
go together (``location`` only in person, ``appointment_type`` only
external): JSON Schema could state those last ones with ``if``/``then``; the
document does not yet, so they are mended here. Three hooks handle those
rules, and nothing else:

- ``map_case`` sends whole numbers as integers (JSON Schema takes ``1.0`` for
  an integer; the service's strict types do not), and mends generated
  creates, reschedules, updates and webhook URLs to keep the rules (so that
  the stateful phase has appointments and endpoints to follow links from,
  and changes them);
- ``after_call`` notes the ids named by answers replayed for a repeated
  ``Idempotency-Key``;
- ``filter_failure`` drops a "schema-valid request rejected" failure only when
  the service's ``400`` names one of ``BEYOND_THE_SCHEMA``, and two other
  failures each for one reason (``names_nested_metadata``,
  ``names_a_replayed_id``).
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
WEBHOOK_WRITES = {
    ("POST", "/v1/webhook_endpoints"),
    ("POST", "/v1/webhook_endpoints/{endpoint_id}"),
}
UNANSWERED_URL = "https://127.0.0.1:1/hooks"
"""Where the endpoints made here point: a private address (the test's server
allows them) on a port nothing listens to, so deliveries fail at once."""
LIST = ("GET", "/v1/appointments")
NESTED_METADATA = re.compile(r"metadata\[.*\]\[", re.DOTALL)
SINGLE = {"is_recurring": False}
SERIES = {"is_recurring": True, "rule": "FREQ=DAILY;COUNT=3", "timezone": "UTC"}

BEYOND_THE_SCHEMA: dict[str, str] = {
    "end_time": r"'end_time' must be after 'start_time'|An appointment lasts at "
    r"most 24 hours",
    "actual_end_time": r"'actual_end_time' must not be before|'actual_end_time' "
    r"only applies to non-recurring",
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
    # Whether the appointment is an occurrence (and not its series' first, and
    # still one of its rule's) is the store's to say.
    "scope": r"The first occurrence starts the series|'scope': "
    r"'this_and_following' applies to an occurrence of a series|This "
    r"occurrence is no longer one of its series' rule",
    # Whether a webhook URL's host resolves is DNS's to say, at the time.
    "url": r"Invalid 'url': the host \S+ does not resolve\.",
    "as_of": r"Give at most one of 'version' and 'as_of'",
    "version": r"Appointment \S+ has versions 1 to \d+",
    "starting_after": r"'starting_after' names no known appointment|"
    r"'starting_after' names nothing known",
    "start_time_lt": r"'start_time_lt' must be after 'start_time_gte'|The window "
    r"may span at most 31 days",
}
"""For each ``param`` of a ``400``, the messages of rules that relate values
(or need the store, or DNS): schema-valid requests they refuse are not a lie."""


REPLAYED_IDS: set[str] = set()
"""Ids named by answers replayed for a repeated ``Idempotency-Key``."""


@schemathesis.hook
def after_call(context: HookContext, case: Case, response: Response) -> None:
    """Note the id a replayed answer names: it is the first answer again
    (CONTRACT section 7), so what it names may have been deleted since."""
    if response.headers.get("idempotent-replayed") == ["true"]:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            REPLAYED_IDS.add(body["id"])


def names_a_replayed_id(case: Case) -> bool:
    return not REPLAYED_IDS.isdisjoint((case.path_parameters or {}).values())


@schemathesis.hook
def filter_failure(
    context: HookContext, failure: Failure, case: Case, response: Response
) -> bool:
    """Keep every failure but a 400 for a rule beyond the schema, a nested
    metadata filter answered, and a replayed id found deleted."""
    if failure.code == "ST201" and names_nested_metadata(case):
        return False
    if failure.code == "ST302" and names_a_replayed_id(case):
        return False
    if failure.code != "ST202" or response.status_code != 400:
        return True
    error = response.json().get("error", {})
    rule = BEYOND_THE_SCHEMA.get(error.get("param") or "")
    return rule is None or re.match(rule, error.get("message", "")) is None


def names_nested_metadata(case: Case) -> bool:
    """Whether a list request names ``metadata[a][b]``: Schemathesis sends
    that for a negative ``{"a": {"b": "v"}}`` (the ``deepObject`` style has
    no form for nested objects), and it is the valid filter on the key
    ``a][b`` (keys may hold brackets), so the service rightly answers it."""
    names = case.query or {}
    return (case.method, case.path) == LIST and any(
        NESTED_METADATA.match(name) for name in names
    )


@schemathesis.hook
def map_case(context: HookContext, case: Case) -> Case:
    """A positive body with integers as such; a create, reschedule or update
    mended to keep the rules that relate its values; a webhook URL that
    resolves (to a local port nothing answers)."""
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
    elif isinstance(body, dict) and operation in WEBHOOK_WRITES and "url" in body:
        case.body = {**body, "url": UNANSWERED_URL}
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
    if isinstance(recurring, dict) and recurring.get("is_recurring"):
        mended["recurring"] = SERIES
        return on_a_whole_second(mended)
    if isinstance(recurring, dict):
        mended["recurring"] = SINGLE
    return mended


def on_a_whole_second(body: dict[str, Any]) -> dict[str, Any]:
    """A series starts on a whole second: its rule counts in seconds."""
    start = body.get("start_time")
    if not isinstance(start, int):
        return body
    start -= start % 1000
    return {**body, "start_time": start, "end_time": start + HOUR_MS}
