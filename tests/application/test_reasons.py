"""CONTRACT section 11: who cancelled or marked a no-show, and why, in the
change log and in every feed item (and so in every webhook)."""

from __future__ import annotations

from application.service import AppointmentsApplication
from domain.ids import occurrence_id
from tests.builders import HOUR_MS, START, a_draft

WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=3", "timezone": "UTC"}


def test_a_late_cancellation_by_the_patient_reads_as_such(
    app: AppointmentsApplication,
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    head = app.head_position()

    app.change_status(
        appointment_id,
        status="cancelled",
        changed_by="user_patient",
        reason="late_cancellation",
    )

    (item,) = app.feed(after=head, limit=10).items
    assert item["type"] == "appointment.status_changed"
    assert (item["changed_by"], item["reason"]) == ("user_patient", "late_cancellation")
    entry = app.change_log(appointment_id)["entries"][-1]
    assert (entry["changed_by"], entry["reason"]) == (
        "user_patient",
        "late_cancellation",
    )


def test_a_series_cancelled_onward_reports_who_and_why_on_its_status_change(
    app: AppointmentsApplication,
) -> None:
    series_id = app.schedule(a_draft(recurring=WEEKLY)).document["id"]
    head = app.head_position()

    app.change_status(
        occurrence_id(series_id, START + 7 * 24 * HOUR_MS),
        status="cancelled",
        changed_by="user_clinic",
        reason="clinic_closed",
        scope="this_and_following",
    )

    items = app.feed(after=head, limit=10).items
    assert [(i["type"], i["reason"]) for i in items] == [
        ("appointment.created", None),
        ("appointment.status_changed", "clinic_closed"),
        ("appointment.updated", None),
    ]
    assert {i["changed_by"] for i in items} == {"user_clinic"}
    assert items[0]["appointment"] == items[1]["appointment"] != series_id
    assert items[2]["appointment"] == series_id
