"""Unknown and malformed ids are the service's own not-found error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from application.errors import AppointmentNotFound
from application.service import AppointmentsApplication
from tests.builders import START, a_draft

UNKNOWN = "appt_" + "0" * 20

Query = Callable[[AppointmentsApplication, str], Any]

OPERATIONS: list[Any] = [
    pytest.param(lambda app, i: app.get(i), id="get"),
    pytest.param(lambda app, i: app.get_at_version(i, 1), id="get-at-version"),
    pytest.param(lambda app, i: app.get_as_of(i, START), id="get-as-of"),
    pytest.param(lambda app, i: app.change_log(i), id="change-log"),
    pytest.param(lambda app, i: app.events_of(i), id="events-of"),
    pytest.param(
        lambda app, i: app.update(i, changed_by="user_a", changes={"name": "x"}),
        id="update",
    ),
    pytest.param(
        lambda app, i: app.reschedule(
            i, start_time=START, end_time=START + 1, changed_by="user_a"
        ),
        id="reschedule",
    ),
    pytest.param(
        lambda app, i: app.change_status(i, status="confirmed", changed_by="user_a"),
        id="change-status",
    ),
    pytest.param(
        lambda app, i: app.change_attendee(
            i, "p1", changed_by="user_a", changes={"no_show": True}
        ),
        id="change-attendee",
    ),
]

MALFORMED: list[Any] = [
    pytest.param("", id="empty"),
    pytest.param("appt_short", id="short"),
    pytest.param("appt_" + "0" * 21, id="long"),
    pytest.param("appt_" + "0" * 19 + "!", id="not-base62"),
    pytest.param("clog_" + "0" * 20, id="change-log-id"),
    pytest.param("appt_" + "0" * 19 + "\x00", id="nul"),
    pytest.param("appt_" + "0" * 19 + "\ud800", id="surrogate"),
    pytest.param("' OR 1=1 --", id="sql"),
]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_unknown_id_is_not_found(
    app: AppointmentsApplication, operation: Query
) -> None:
    app.schedule(a_draft())  # the store is not empty

    with pytest.raises(AppointmentNotFound) as raised:
        operation(app, UNKNOWN)

    assert raised.value.appointment_id == UNKNOWN


@pytest.mark.parametrize("appointment_id", MALFORMED)
def test_a_malformed_id_is_not_found(
    app: AppointmentsApplication, appointment_id: str
) -> None:
    for operation in OPERATIONS:
        with pytest.raises(AppointmentNotFound):
            operation.values[0](app, appointment_id)
