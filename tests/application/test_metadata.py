"""CONTRACT section 11: metadata set on create and merged by update, recorded
in events; appointments recorded before metadata existed read as ``{}``."""

from __future__ import annotations

import json

from eventsourcing.persistence import StoredEvent

from application.service import AppointmentsApplication
from domain.appointment import Appointment
from tests.builders import a_draft


def test_metadata_is_recorded_merged_and_travelled_through(
    app: AppointmentsApplication,
) -> None:
    created = app.schedule(a_draft(metadata={"ref": "A-1", "clinic": "north"}))
    appointment_id = created.document["id"]

    app.update(
        appointment_id,
        changed_by="u",
        changes={"metadata": {"clinic": "", "billing": "B-7"}},
    )

    assert app.get(appointment_id).document["metadata"] == {
        "ref": "A-1",
        "billing": "B-7",
    }
    first = app.get_at_version(appointment_id, 1).document["metadata"]
    assert first == {"ref": "A-1", "clinic": "north"}
    entry = app.change_log(appointment_id)["entries"][-1]
    assert entry["changes"]["metadata"]["to"] == {"ref": "A-1", "billing": "B-7"}


def store_a_version_3_creation(app: AppointmentsApplication) -> str:
    """A creation as a store made before metadata holds it."""
    appointment = Appointment.schedule(
        appointment_id="appt_" + "M" * 20, draft=a_draft(), video_call=None, at=1
    )
    (event,) = appointment.collect_events()
    current = app.mapper.to_stored_event(event)
    state = json.loads(current.state)
    assert state.pop("class_version") == 5
    state["class_version"] = 3
    del state["metadata"], state["api_key"]  # v3 had neither
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=current.originator_id,
                originator_version=1,
                topic=current.topic,
                state=json.dumps(state).encode(),
            )
        ]
    )
    return appointment.id


def test_an_appointment_created_before_metadata_has_none(
    app: AppointmentsApplication,
) -> None:
    appointment_id = store_a_version_3_creation(app)

    assert app.get(appointment_id).document["metadata"] == {}
    app.update(appointment_id, changed_by="u", changes={"metadata": {"k": "v"}})
    assert app.get(appointment_id).document["metadata"] == {"k": "v"}
