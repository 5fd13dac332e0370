"""docs/api.md "Read your writes": a write waits, bounded, for the read model."""

from __future__ import annotations

from application.command_recording import CommandResult
from application.queries import AppointmentState, ListQuery, Page
from application.read_your_writes import ReadYourWrites

TIMEOUT = 2.5


class ReadModelAt:
    """A read model that has processed the feed up to ``processed``."""

    def __init__(self, processed: int) -> None:
        self.processed = processed
        self.waits: list[tuple[int, float]] = []

    def get(self, appointment_id: str) -> AppointmentState | None:
        return None

    def list(self, query: ListQuery) -> Page:
        return Page(data=[], has_more=False)

    def wait_for(self, position: int, timeout: float) -> bool:
        self.waits.append((position, timeout))
        return position <= self.processed


def a_result(position: int | None) -> CommandResult:
    return CommandResult(document={"id": "appt_x"}, version=1, position=position)


def test_a_write_the_read_model_shows_in_time_is_not_lagging() -> None:
    read_model = ReadModelAt(processed=7)

    assert ReadYourWrites(read_model, TIMEOUT).lagging(a_result(7)) is False
    assert read_model.waits == [(7, TIMEOUT)]


def test_a_write_the_read_model_has_not_reached_is_lagging() -> None:
    read_model = ReadModelAt(processed=6)

    assert ReadYourWrites(read_model, TIMEOUT).lagging(a_result(7)) is True


def test_a_command_that_recorded_nothing_waits_for_nothing() -> None:
    read_model = ReadModelAt(processed=0)

    assert ReadYourWrites(read_model, TIMEOUT).lagging(a_result(None)) is False
    assert read_model.waits == []
