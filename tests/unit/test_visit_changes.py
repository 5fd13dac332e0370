"""CONTRACT section 11: an update may change the host, the interaction type
and the location, by the rules of creation; a change to a video call asks for
a meeting only once every rule has passed."""

from __future__ import annotations

from typing import Any

import pytest

from domain.appointment import Appointment
from domain.errors import AppointmentCancelled, InvalidAppointment, MissingParameter
from domain.values import Document
from tests.builders import (
    A_VIDEO_CALL,
    CREATED_AT,
    a_cancelled_appointment,
    an_appointment,
)

AT = CREATED_AT + 1_000
ADDRESS = {"address": "1 Main Street", "room": "4"}
NEW_LINK = {"join_url": "https://meet.example/j/2", "meeting_id": "2"}


class Booker:
    """Hands out ``NEW_LINK`` and remembers what it was asked to book for."""

    def __init__(self) -> None:
        self.asked: list[Document] = []

    def __call__(self, document: Document) -> Document:
        self.asked.append(document)
        return NEW_LINK


def an_in_person_appointment() -> Appointment:
    return an_appointment(interaction_type="in_person", location=ADDRESS)


def test_a_new_host_keeps_the_id_and_the_video_link() -> None:
    appointment = an_appointment()

    appointment.update(changed_by="u", at=AT, changes={"host": "user_other"})

    assert appointment.document["host"] == "user_other"
    assert appointment.document["video_call"] == A_VIDEO_CALL
    assert appointment.version == 2


REFUSED: list[Any] = [
    pytest.param(
        {"host": "user_patient"}, InvalidAppointment, "host", id="host-attends"
    ),
    pytest.param({"host": "not ok"}, InvalidAppointment, "host", id="host-pattern"),
    pytest.param(
        {"host": "user_patient", "attendees": ["user_patient"]},
        InvalidAppointment,
        "attendees",
        id="host-in-new-attendees",
    ),
    pytest.param(
        {"interaction_type": "in_person"},
        MissingParameter,
        "location.address",
        id="in-person-without-location",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": None},
        MissingParameter,
        "location.address",
        id="in-person-with-null-location",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"room": "4"}},
        MissingParameter,
        "location.address",
        id="in-person-without-address",
    ),
    pytest.param(
        {"location": ADDRESS}, InvalidAppointment, "location", id="location-on-video"
    ),
    pytest.param(
        {"interaction_type": "phone"},
        InvalidAppointment,
        "interaction_type",
        id="unknown-interaction",
    ),
    pytest.param(
        {"interaction_type": "in_person", "location": {"address": "x" * 501}},
        InvalidAppointment,
        "location.address",
        id="address-501",
    ),
]


@pytest.mark.parametrize(("changes", "error", "param"), REFUSED)
def test_refuses_a_visit_change_that_breaks_a_rule(
    changes: dict[str, Any], error: type[Exception], param: str
) -> None:
    appointment = an_appointment()
    booker = Booker()

    with pytest.raises(error) as raised:
        appointment.update(changed_by="u", at=AT, changes=changes, book_meeting=booker)

    assert getattr(raised.value, "param") == param  # noqa: B009
    assert appointment.version == 1
    assert booker.asked == []


def test_in_person_with_a_location_drops_the_video_link() -> None:
    appointment = an_appointment()

    appointment.update(
        changed_by="u",
        at=AT,
        changes={"interaction_type": "in_person", "location": ADDRESS},
    )

    assert appointment.document["interaction_type"] == "in_person"
    assert appointment.document["location"] == ADDRESS
    assert appointment.document["video_call"] is None


def test_a_switch_to_video_books_a_meeting_for_the_appointment_as_changed() -> None:
    appointment = an_in_person_appointment()
    booker = Booker()

    appointment.update(
        changed_by="u",
        at=AT,
        changes={"interaction_type": "video_call", "name": "Now online"},
        book_meeting=booker,
    )

    (asked,) = booker.asked
    assert asked["name"] == "Now online"
    assert appointment.document["video_call"] == NEW_LINK
    assert appointment.document["location"] is None
    assert appointment.version == 2


def test_a_switch_to_video_without_a_booker_is_refused() -> None:
    appointment = an_in_person_appointment()

    with pytest.raises(InvalidAppointment):
        appointment.update(
            changed_by="u", at=AT, changes={"interaction_type": "video_call"}
        )

    assert appointment.version == 1


def test_a_switch_to_video_that_breaks_another_rule_books_nothing() -> None:
    appointment = an_in_person_appointment()
    booker = Booker()

    with pytest.raises(InvalidAppointment):
        appointment.update(
            changed_by="u",
            at=AT,
            changes={"interaction_type": "video_call", "name": ""},
            book_meeting=booker,
        )

    assert booker.asked == []


def test_a_new_location_replaces_the_old_one_without_nulls() -> None:
    appointment = an_in_person_appointment()
    moved = {"name": None, "address": "2 High Street", "room": None}

    appointment.update(changed_by="u", at=AT, changes={"location": moved})

    assert appointment.document["location"] == {"address": "2 High Street"}


def test_the_same_visit_again_records_nothing() -> None:
    appointment = an_in_person_appointment()
    booker = Booker()

    appointment.update(
        changed_by="u",
        at=AT,
        changes={"host": "user_host", "interaction_type": "in_person"},
        book_meeting=booker,
    )

    assert appointment.version == 1
    assert booker.asked == []


def test_a_cancelled_appointment_keeps_its_host() -> None:
    appointment = a_cancelled_appointment()

    with pytest.raises(AppointmentCancelled):
        appointment.update(changed_by="u", at=AT, changes={"host": "user_other"})
