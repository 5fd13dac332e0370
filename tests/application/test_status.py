"""Status changes through the application (CONTRACT section 6)."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from domain.errors import InvalidStatusTransition
from tests.builders import a_draft
from tests.fakes import ManualClock


def test_status_changes_build_the_status_history(
    app: AppointmentsApplication, clock: ManualClock
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]

    for status in ("confirmed", "checked_in", "in_progress", "completed"):
        app.change_status(appointment_id, status=status, changed_by="user_host")

    state = app.get(appointment_id)
    history = state.document["status_history"]
    assert [h["status"] for h in history] == [
        "scheduled",
        "confirmed",
        "checked_in",
        "in_progress",
        "completed",
    ]
    assert [h["changed_by"] for h in history[1:]] == ["user_host"] * 4
    times = [h["changed_at"] for h in history]
    assert times == sorted(times)
    assert state.document["status"] == "completed"
    assert state.version == 5


def test_a_forbidden_transition_records_nothing(app: AppointmentsApplication) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    app.change_status(appointment_id, status="no_show", changed_by="user_host")

    with pytest.raises(InvalidStatusTransition):
        app.change_status(appointment_id, status="confirmed", changed_by="user_host")

    assert app.get(appointment_id).version == 2


def test_the_reason_is_kept_on_the_stored_event(app: AppointmentsApplication) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]

    app.change_status(
        appointment_id, status="cancelled", changed_by="user_host", reason="Ill"
    )

    assert getattr(app.events_of(appointment_id)[-1], "reason", None) == "Ill"
