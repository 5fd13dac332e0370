"""CONTRACT section 5: every rule a new appointment must satisfy."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import AppointmentError, InvalidAppointment, MissingParameter
from tests.builders import HOUR_MS, a_draft

EARLIEST = 946_684_800_000  # 2000-01-01T00:00:00Z
LATEST = 4_133_980_800_000  # 2101-01-01T00:00:00Z
DAY_MS = 24 * HOUR_MS
ADDRESS = {"address": "1 Main Street"}

REFUSED: list[Any] = [
    pytest.param({"name": ""}, InvalidAppointment, "name", id="empty-name"),
    pytest.param({"name": "x" * 201}, InvalidAppointment, "name", id="name-201"),
    pytest.param({"name": "a\x00b"}, InvalidAppointment, "name", id="name-nul"),
    pytest.param({"name": "a\ud800"}, InvalidAppointment, "name", id="name-surrogate"),
    pytest.param(
        {"description": "x" * 5001},
        InvalidAppointment,
        "description",
        id="description-5001",
    ),
    pytest.param(
        {"description": "\x00"}, InvalidAppointment, "description", id="desc-nul"
    ),
    pytest.param(
        {"description": "\udfff"},
        InvalidAppointment,
        "description",
        id="desc-surrogate",
    ),
    pytest.param(
        {"start_time": EARLIEST - 1, "end_time": EARLIEST + HOUR_MS},
        InvalidAppointment,
        "start_time",
        id="start-1ms-before-2000",
    ),
    pytest.param(
        {"start_time": LATEST - HOUR_MS, "end_time": LATEST},
        InvalidAppointment,
        "end_time",
        id="end-at-2101",
    ),
    pytest.param(
        {"start_time": LATEST, "end_time": LATEST + HOUR_MS},
        InvalidAppointment,
        "start_time",
        id="start-at-2101",
    ),
    pytest.param(
        {"start_time": EARLIEST + HOUR_MS, "end_time": EARLIEST},
        InvalidAppointment,
        "end_time",
        id="end-before-start",
    ),
    pytest.param(
        {"start_time": EARLIEST, "end_time": EARLIEST},
        InvalidAppointment,
        "end_time",
        id="end-equals-start",
    ),
    pytest.param(
        {"start_time": EARLIEST, "end_time": EARLIEST + DAY_MS + 1},
        InvalidAppointment,
        "end_time",
        id="24h-plus-1ms",
    ),
    pytest.param({"host": ""}, InvalidAppointment, "host", id="host-empty"),
    pytest.param({"host": "a" * 65}, InvalidAppointment, "host", id="host-65"),
    pytest.param({"host": "a b"}, InvalidAppointment, "host", id="host-space"),
    pytest.param({"host": "hôte"}, InvalidAppointment, "host", id="host-non-ascii"),
    pytest.param({"host": "a\x00"}, InvalidAppointment, "host", id="host-nul"),
    pytest.param(
        {"created_by": "a.b"}, InvalidAppointment, "created_by", id="created-by-dot"
    ),
    pytest.param(
        {"created_by": "\ud800"},
        InvalidAppointment,
        "created_by",
        id="created-by-surrogate",
    ),
    pytest.param(
        {"attendees": ["bad id"]},
        InvalidAppointment,
        "attendees",
        id="attendee-pattern",
    ),
    pytest.param(
        {"attendees": ["a" * 65]},
        InvalidAppointment,
        "attendees",
        id="attendee-65",
    ),
    pytest.param(
        {"group": True, "attendees": ["p1", "p1"]},
        InvalidAppointment,
        "attendees",
        id="attendee-repeated",
    ),
    pytest.param(
        {"attendees": ["user_host"]},
        InvalidAppointment,
        "attendees",
        id="host-among-attendees",
    ),
    pytest.param(
        {"group": True, "attendees": ["p1", "user_host"]},
        InvalidAppointment,
        "attendees",
        id="host-among-group-attendees",
    ),
    pytest.param(
        {"group": False, "attendees": ["p1", "p2"]},
        InvalidAppointment,
        "attendees",
        id="non-group-two-attendees",
    ),
    pytest.param(
        {"generated_from_type": "rule"},
        InvalidAppointment,
        "generated_from",
        id="type-without-source",
    ),
    pytest.param(
        {"generated_from": "rule_1"},
        InvalidAppointment,
        "generated_from_type",
        id="source-without-type",
    ),
    pytest.param(
        {"generated_from_type": "manual", "generated_from": "rule_1"},
        InvalidAppointment,
        "generated_from_type",
        id="type-not-in-enum",
    ),
    pytest.param(
        {"internal": True, "appointment_type": "checkup"},
        InvalidAppointment,
        "appointment_type",
        id="appointment-type-on-internal",
    ),
    pytest.param(
        {"internal": False, "reference_patients": ["pat_1"]},
        InvalidAppointment,
        "reference_patients",
        id="patients-on-external",
    ),
    pytest.param(
        {"internal": False, "reference_patients": []},
        InvalidAppointment,
        "reference_patients",
        id="empty-patients-on-external",
    ),
    pytest.param(
        {"internal": True, "reference_patients": ["pat_1", "pat_1"]},
        InvalidAppointment,
        "reference_patients",
        id="patients-repeated",
    ),
    pytest.param(
        {"internal": True, "reference_patients": ["pat 1"]},
        InvalidAppointment,
        "reference_patients",
        id="patient-pattern",
    ),
    pytest.param(
        {"interaction_type": "phone"},
        InvalidAppointment,
        "interaction_type",
        id="interaction-not-in-enum",
    ),
    pytest.param(
        {"interaction_type": "in_person"},
        MissingParameter,
        "location.address",
        id="in-person-without-location",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"name": "Clinic"}},
        MissingParameter,
        "location.address",
        id="in-person-without-address",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"address": ""}},
        InvalidAppointment,
        "location.address",
        id="in-person-empty-address",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"address": "\ud800"}},
        InvalidAppointment,
        "location.address",
        id="address-surrogate",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"address": "a\x00"}},
        InvalidAppointment,
        "location.address",
        id="address-nul",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {**ADDRESS, "floor": "2"}},
        InvalidAppointment,
        "location.floor",
        id="location-unknown-field",
    ),
    pytest.param(
        {"location": ADDRESS},
        InvalidAppointment,
        "location",
        id="location-on-video-call",
    ),
    pytest.param(
        {
            "recurring": {
                "is_recurring": True,
                "rule": "FREQ=DAILY",
                "timezone": "Mars/Base",
            }
        },
        InvalidAppointment,
        "recurring.timezone",
        id="unknown-time-zone",
    ),
    pytest.param(
        {"recurring": {"is_recurring": True, "timezone": "UTC"}},
        MissingParameter,
        "recurring.rule",
        id="series-without-rule",
    ),
    pytest.param(
        {"recurring": {"is_recurring": True, "rule": "FREQ=DAILY"}},
        MissingParameter,
        "recurring.timezone",
        id="series-without-time-zone",
    ),
    pytest.param(
        {"recurring": {"is_recurring": False, "rule": "FREQ=DAILY"}},
        InvalidAppointment,
        "recurring.is_recurring",
        id="rule-on-a-single-appointment",
    ),
    pytest.param(
        {"recurring": {"is_recurring": True, "rule": "", "timezone": "UTC"}},
        InvalidAppointment,
        "recurring.rule",
        id="empty-rule",
    ),
    pytest.param(
        {"recurring": {"is_recurring": True, "rule": "F", "timezone": "UTC", "x": 1}},
        InvalidAppointment,
        "recurring.x",
        id="unknown-recurring-field",
    ),
]


@pytest.mark.parametrize(("overrides", "error", "param"), REFUSED)
def test_refuses_a_draft_that_breaks_a_rule(
    overrides: dict[str, Any], error: type[AppointmentError], param: str
) -> None:
    with pytest.raises(error) as raised:
        a_draft(**overrides).validate()

    assert type(raised.value) is error
    assert raised.value.param == param


ACCEPTED: list[Any] = [
    pytest.param({}, id="the-defaults"),
    pytest.param({"name": "x"}, id="name-1"),
    pytest.param({"name": "x" * 200}, id="name-200"),
    pytest.param({"description": ""}, id="description-empty"),
    pytest.param({"description": "x" * 5000}, id="description-5000"),
    pytest.param({"name": "Ünïcödé 🎉"}, id="name-non-ascii"),
    pytest.param(
        {"start_time": EARLIEST, "end_time": EARLIEST + HOUR_MS},
        id="start-at-2000",
    ),
    pytest.param(
        {"start_time": LATEST - HOUR_MS, "end_time": LATEST - 1},
        id="end-1ms-before-2101",
    ),
    pytest.param(
        {"start_time": EARLIEST, "end_time": EARLIEST + DAY_MS}, id="exactly-24h"
    ),
    pytest.param({"start_time": EARLIEST, "end_time": EARLIEST + 1}, id="one-ms"),
    pytest.param({"host": "A-z_0" + "9" * 59}, id="host-64"),
    pytest.param({"attendees": []}, id="no-attendees"),
    pytest.param({"group": True, "attendees": ["p1", "p2", "p3"]}, id="group-three"),
    pytest.param(
        {"generated_from_type": "rule", "generated_from": "rule_1"}, id="from-rule"
    ),
    pytest.param(
        {"generated_from_type": "override", "generated_from": "ovr_1"},
        id="from-override",
    ),
    pytest.param(
        {"internal": False, "appointment_type": "checkup"}, id="external-type"
    ),
    pytest.param({"internal": True, "reference_patients": []}, id="internal-none"),
    pytest.param(
        {"internal": True, "reference_patients": ["pat_1", "pat_2"]},
        id="internal-patients",
    ),
    pytest.param({"interaction_type": "video_call"}, id="video-call"),
    pytest.param(
        {"interaction_type": "in_person", "location": ADDRESS}, id="in-person"
    ),
    pytest.param(
        {
            "interaction_type": "in_person",
            "location": {**ADDRESS, "name": "Clinic", "room": "2B"},
        },
        id="in-person-full-location",
    ),
]


@pytest.mark.parametrize("overrides", ACCEPTED)
def test_accepts_a_draft_within_the_rules(overrides: dict[str, Any]) -> None:
    a_draft(**overrides).validate()


def test_defaults_to_a_video_call() -> None:
    assert a_draft().interaction_type == "video_call"
    assert a_draft().is_video_call
