"""Retrieve from the read model, and read-your-writes across processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.projection import ProjectionRunner

from application.queries import ListQuery
from application.service import AppointmentsApplication
from infrastructure.bootstrap import Container
from infrastructure.read_model import AppointmentsProjection, AppointmentsView
from infrastructure.read_model.field_order import APPOINTMENT_ORDER, ATTENDEE_ORDER
from tests.builders import a_draft
from tests.integration.read_model.helpers import (
    assert_view_matches_events,
    head,
    project_all,
)

READ_YOUR_WRITES_TIMEOUT = 5.0


@pytest.fixture
def running(container: Container) -> Iterator[Container]:
    container.start_projections()
    yield container
    container.stop_projections()


def test_retrieve_gives_the_document_and_its_version(container: Container) -> None:
    written = container.app.schedule(a_draft())
    appointment_id = written.document["id"]
    container.app.change_status(appointment_id, status="confirmed", changed_by="u_1")
    project_all(container)

    state = container.read_model.get(appointment_id)

    assert state is not None
    assert state.version == 2
    assert state.document == container.app.get(appointment_id).document


def test_retrieve_keeps_the_contract_field_order(container: Container) -> None:
    written = container.app.schedule(a_draft())
    project_all(container)

    state = container.read_model.get(written.document["id"])

    assert state is not None
    assert tuple(state.document) == APPOINTMENT_ORDER
    assert tuple(state.document["attendees"][0]) == ATTENDEE_ORDER


def test_an_unknown_appointment_is_none(container: Container) -> None:
    assert container.read_model.get("appt_00000000000000000000") is None


def test_a_write_from_another_process_is_visible_after_waiting_for_its_position(
    running: Container, second_container: Container
) -> None:
    written = second_container.app.schedule(a_draft())
    assert written.position is not None

    assert running.read_model.wait_for(written.position, READ_YOUR_WRITES_TIMEOUT)

    state = running.read_model.get(written.document["id"])
    assert state is not None
    assert state.document == written.document
    assert state.version == written.version


def test_every_write_is_visible_to_the_next_read(
    running: Container, second_container: Container
) -> None:
    appointment_id = second_container.app.schedule(a_draft()).document["id"]
    for status in ("confirmed", "checked_in", "in_progress", "completed"):
        written = second_container.app.change_status(
            appointment_id, status=status, changed_by="u_desk"
        )
        assert written.position is not None
        assert running.read_model.wait_for(written.position, READ_YOUR_WRITES_TIMEOUT)
        listed = running.read_model.list(ListQuery(status=status)).data
        assert [d["id"] for d in listed] == [appointment_id]
        assert listed[0]["status_history"] == written.document["status_history"]


def test_waiting_for_a_position_not_yet_reached_times_out(
    container: Container,
) -> None:
    container.app.schedule(a_draft())
    assert container.read_model.wait_for(head(container), timeout=0.2) is False
    project_all(container)
    assert container.read_model.wait_for(head(container), timeout=0.2) is True


def test_the_library_projection_runner_drives_the_same_projection(
    container: Container,
) -> None:
    for n in range(3):
        written = container.app.schedule(a_draft(host=f"host_{n}"))
        container.app.change_status(
            written.document["id"], status="cancelled", changed_by="u_desk"
        )
    with ProjectionRunner(
        application_class=AppointmentsApplication,
        projection_class=AppointmentsProjection,
        view_class=AppointmentsView,
        env=container.env,
    ) as runner:
        runner.wait(head(container), timeout=5)
    assert_view_matches_events(container)
