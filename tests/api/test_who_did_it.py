"""Each event records the API key that caused it (CONTRACT section 8): the
change log and the feed show it beside ``changed_by``."""

from __future__ import annotations

import json

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from api.app import create_app
from application.access import Scope
from domain.appointment import Appointment
from infrastructure.bootstrap import Container
from tests.api.conftest import bearer, create_body, new_key
from tests.builders import a_draft


def test_the_change_log_and_feed_name_the_key_of_each_change(
    container: Container,
) -> None:
    front_desk = bearer(new_key(container, "front-desk", Scope.ADMIN))
    billing = bearer(new_key(container, "billing", Scope.ADMIN))
    with TestClient(create_app(lambda: container)) as client:
        created = client.post(
            "/v1/appointments", json=create_body(), headers=front_desk
        )
        path = f"/v1/appointments/{created.json()['id']}"
        client.patch(
            f"{path}/attendees/user_patient",
            json={"changed_by": "user_clerk", "payment_status": "paid"},
            headers=billing,
        )
        log = client.get(f"{path}/change_log", headers=billing).json()
        feed = client.get("/v1/events", headers=billing).json()

    assert [(e["changed_by"], e["api_key"]) for e in log["entries"]] == [
        ("user_creator", "front-desk"),
        ("user_clerk", "billing"),
    ]
    assert [item["api_key"] for item in feed["data"]] == ["front-desk", "billing"]


def test_a_change_made_without_a_key_names_none(
    client: TestClient, container: Container
) -> None:
    appointment_id = container.app.schedule(a_draft()).document["id"]

    log = client.get(f"/v1/appointments/{appointment_id}/change_log").json()

    assert [e["api_key"] for e in log["entries"]] == [None]


def test_events_stored_before_keys_were_recorded_name_none(
    container: Container,
) -> None:
    appointment = Appointment.schedule(
        appointment_id="appt_" + "K" * 20, draft=a_draft(), video_call=None, at=1
    )
    appointment.change_status(status="confirmed", changed_by="u", at=2)
    stored = []
    for event in appointment.collect_events():
        current = container.app.mapper.to_stored_event(event)
        state = json.loads(current.state)
        state["class_version"] -= 1
        del state["api_key"]
        stored.append(
            StoredEvent(
                originator_id=current.originator_id,
                originator_version=current.originator_version,
                topic=current.topic,
                state=json.dumps(state).encode(),
            )
        )
    container.app.recorder.insert_events(stored)

    events = container.app.events_of(appointment.id)

    assert [e.api_key for e in events] == [None, None]
    assert container.app.get(appointment.id).document["status"] == "confirmed"
