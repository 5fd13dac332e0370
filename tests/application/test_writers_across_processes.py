"""Writers in two processes (two applications on one store): another process
winning a version is retried within the time budget, never refused early."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.errors import VersionMismatch, WriteContention
from application.service import AppointmentsApplication
from domain.appointment import Appointment
from infrastructure.bootstrap import Container
from tests.application.test_concurrent_writers import run_together
from tests.builders import a_draft

WRITERS_PER_PROCESS = 16


class Interrupted(AppointmentsApplication):
    """A process whose first ``times`` loads of an appointment are overtaken:
    the other process writes it between this load and this save."""

    name = AppointmentsApplication.name  # the same store, not one of its own

    def __init__(
        self,
        container: Container,
        other: AppointmentsApplication,
        times: int,
        budget: float = 2.0,
    ) -> None:
        super().__init__(container.env, write_retry_seconds=budget)
        self.other = other
        self.times = times

    def _load_for_change(
        self, appointment_id: str, changed_by: str
    ) -> tuple[Appointment, int]:
        loaded = super()._load_for_change(appointment_id, changed_by)
        if self.times > 0:
            self.times -= 1
            self.other.update(
                appointment_id,
                changed_by="other",
                changes={"name": f"Overtaken {self.times}"},
            )
        return loaded


@pytest.fixture
def second_process(container: Container) -> Iterator[AppointmentsApplication]:
    other = AppointmentsApplication(container.env)
    yield other
    other.close()


def test_writers_in_two_processes_are_all_applied(
    app: AppointmentsApplication, second_process: AppointmentsApplication
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    processes = [app, second_process] * WRITERS_PER_PROCESS
    writes = [
        lambda n=n, process=process: process.update(
            appointment_id, changed_by=f"writer_{n}", changes={"visit_note": str(n)}
        )
        for n, process in enumerate(processes)
    ]

    outcomes = run_together(writes)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert app.get(appointment_id).version == 1 + len(writes)


def test_a_write_overtaken_by_another_process_is_retried(
    container: Container, app: AppointmentsApplication
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    interrupted = Interrupted(container, other=app, times=3)
    try:
        result = interrupted.update(
            appointment_id, changed_by="writer", changes={"visit_note": "mine"}
        )
    finally:
        interrupted.close()

    assert result.version == 5
    state = app.get(appointment_id)
    assert state.version == 5
    assert state.document["visit_note"] == "mine"
    assert state.document["name"] == "Overtaken 0"


def test_a_write_overtaken_past_its_budget_is_contention(
    container: Container, app: AppointmentsApplication
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    interrupted = Interrupted(container, other=app, times=1, budget=0.0)
    try:
        with pytest.raises(WriteContention):
            interrupted.update(
                appointment_id, changed_by="writer", changes={"visit_note": "mine"}
            )
    finally:
        interrupted.close()

    assert app.get(appointment_id).version == 2


def test_a_write_with_an_expected_version_overtaken_is_not_retried(
    container: Container, app: AppointmentsApplication
) -> None:
    appointment_id = app.schedule(a_draft()).document["id"]
    interrupted = Interrupted(container, other=app, times=1)
    try:
        with pytest.raises(VersionMismatch) as refused:
            interrupted.update(
                appointment_id,
                changed_by="writer",
                changes={"visit_note": "mine"},
                expected_version=1,
            )
    finally:
        interrupted.close()

    assert (refused.value.expected, refused.value.current) == (1, 2)
    assert app.get(appointment_id).document.get("visit_note") != "mine"
