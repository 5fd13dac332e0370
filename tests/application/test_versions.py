"""Reading an appointment as it was at each version (CONTRACT section 6)."""

from __future__ import annotations

import pytest

from application.errors import VersionNotFound
from application.service import AppointmentsApplication
from domain.history import fold
from tests.builders import a_draft


def an_appointment_with_five_versions(app: AppointmentsApplication) -> str:
    appointment_id = str(app.schedule(a_draft(group=True)).document["id"])
    app.update(appointment_id, changed_by="user_a", changes={"name": "Renamed"})
    app.change_status(appointment_id, status="confirmed", changed_by="user_b")
    app.update(appointment_id, changed_by="user_a", changes={"attendees": ["p2"]})
    return appointment_id  # the last update removes one attendee and adds one


def test_each_version_is_the_fold_of_the_events_up_to_it(
    app: AppointmentsApplication,
) -> None:
    appointment_id = an_appointment_with_five_versions(app)
    events = app.events_of(appointment_id)

    for version in range(1, len(events) + 1):
        state = app.get_at_version(appointment_id, version)
        assert state.version == version
        assert state.document == fold(events[:version])


def test_the_last_version_is_the_current_appointment(
    app: AppointmentsApplication,
) -> None:
    appointment_id = an_appointment_with_five_versions(app)
    current = app.get(appointment_id)

    assert current.version == 5
    assert app.get_at_version(appointment_id, 5) == current


def test_earlier_versions_show_earlier_values(app: AppointmentsApplication) -> None:
    appointment_id = an_appointment_with_five_versions(app)

    assert app.get_at_version(appointment_id, 1).document["name"] == "Annual Check-in"
    assert app.get_at_version(appointment_id, 2).document["status"] == "scheduled"
    assert app.get_at_version(appointment_id, 3).document["status"] == "confirmed"


@pytest.mark.parametrize("version", [0, -1, 6, 1000])
def test_a_version_it_never_had_is_not_found(
    app: AppointmentsApplication, version: int
) -> None:
    appointment_id = an_appointment_with_five_versions(app)

    with pytest.raises(VersionNotFound) as raised:
        app.get_at_version(appointment_id, version)

    assert raised.value.param == "version"
