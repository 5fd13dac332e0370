"""CONTRACT section 11 on PostgreSQL: cancelling (or marking as no-shows) a
series from one occurrence onward, or a series itself, splits it; the
occurrences that take the status keep their ids, the others their state."""

from __future__ import annotations

import pytest

from application.errors import AppointmentNotFound, VersionMismatch
from application.recurrence import find_occurrence
from application.service import AppointmentsApplication
from domain.errors import InvalidAppointment, InvalidStatusTransition, SeriesAlreadyOver
from domain.ids import occurrence_id
from domain.values import Document
from infrastructure.bootstrap import Container
from tests.builders import HOUR_MS, START, a_draft
from tests.fakes import ManualClock, RecordingVideoMeetings

WEEK = 7 * 24 * HOUR_MS
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=6", "timezone": "UTC"}
STARTS = [START + n * WEEK for n in range(6)]


def occurrence(app: AppointmentsApplication, identifier: str) -> Document:
    """An occurrence as a GET would show it: stored, or as its series shows it."""

    def load(appointment_id: str) -> Document | None:
        try:
            return app.get(appointment_id).document
        except AppointmentNotFound:
            return None

    found = load(identifier) or find_occurrence(identifier, load)
    assert found is not None, identifier
    return found


def statuses(app: AppointmentsApplication, series_id: str) -> list[str]:
    return [occurrence(app, occurrence_id(series_id, s))["status"] for s in STARTS]


@pytest.fixture
def series_id(app: AppointmentsApplication) -> str:
    return str(app.schedule(a_draft(recurring=WEEKLY)).document["id"])


def test_cancelling_a_series_keeps_the_sessions_that_started(
    app: AppointmentsApplication,
    clock: ManualClock,
    video: RecordingVideoMeetings,
    series_id: str,
) -> None:
    clock.advance(STARTS[2] - clock.now_ms() - HOUR_MS)  # the third starts soon

    written = app.change_status(
        series_id, status="cancelled", changed_by="user_clinic", reason="Closed"
    )

    assert statuses(app, series_id) == ["scheduled"] * 2 + ["cancelled"] * 4
    remainder = written.document
    assert remainder["recurring"]["split_from"] == series_id
    assert remainder["recurring"]["occurrence_ids_from"] == series_id
    assert remainder["status_history"][-1]["reason"] == "Closed"
    assert remainder["status_history"][-1]["changed_by"] == "user_clinic"
    series = app.get(series_id).document
    assert series["status"] == "scheduled"
    assert series["recurring"]["continued_by"] == remainder["id"]
    assert video.deleted == [remainder["video_call"]["meeting_id"]]
    assert series["video_call"]["meeting_id"] not in video.deleted


def test_this_and_following_marks_no_shows_from_an_occurrence_on(
    app: AppointmentsApplication, series_id: str
) -> None:
    third = occurrence_id(series_id, STARTS[2])

    written = app.change_status(
        third,
        status="no_show",
        changed_by="user_front_desk",
        reason="Patient moved away",
        scope="this_and_following",
    )

    assert statuses(app, series_id) == ["scheduled"] * 2 + ["no_show"] * 4
    assert occurrence(app, third)["recurring"]["series"] == written.document["id"]
    assert occurrence(app, third)["status_history"][-1]["reason"] == (
        "Patient moved away"
    )
    assert app.get(series_id).version == 2
    assert app.get_at_version(series_id, 1).document["recurring"] == WEEKLY
    assert app.get_at_version(written.document["id"], 1).document["status"] == (
        "scheduled"
    )


def test_occurrences_with_a_history_take_the_status_if_they_may(
    app: AppointmentsApplication, series_id: str
) -> None:
    second, fourth, fifth, sixth = (
        occurrence_id(series_id, STARTS[n]) for n in (1, 3, 4, 5)
    )
    app.update(second, changed_by="u", changes={"name": "Before"})
    app.update(fourth, changed_by="u", changes={"name": "After"})
    for status in ("in_progress", "completed"):
        app.change_status(fifth, status=status, changed_by="u")
    app.reschedule(
        sixth,
        start_time=STARTS[5] + HOUR_MS,
        end_time=STARTS[5] + 2 * HOUR_MS,
        changed_by="u",
    )

    app.change_status(
        occurrence_id(series_id, STARTS[2]),
        status="cancelled",
        changed_by="u",
        reason="Ended",
        scope="this_and_following",
    )

    assert statuses(app, series_id) == [
        "scheduled", "scheduled", "cancelled", "cancelled", "completed", "cancelled",
    ]  # fmt: skip
    assert app.get(second).version == 2
    assert app.get(fourth).document["status_history"][-1]["reason"] == "Ended"
    assert app.get(sixth).document["start_time"] == STARTS[5] + HOUR_MS


def test_the_occurrence_asked_for_must_accept_the_status(
    app: AppointmentsApplication, video: RecordingVideoMeetings, series_id: str
) -> None:
    third = occurrence_id(series_id, STARTS[2])
    for status in ("in_progress", "completed"):
        app.change_status(third, status=status, changed_by="u")
    booked = len(video.created)

    with pytest.raises(InvalidStatusTransition):
        app.change_status(
            third, status="cancelled", changed_by="u", scope="this_and_following"
        )

    assert app.get(series_id).version == 1
    assert len(video.created) == booked


def test_a_series_nothing_of_which_started_is_cancelled_whole(
    app: AppointmentsApplication, video: RecordingVideoMeetings, series_id: str
) -> None:
    written = app.change_status(series_id, status="cancelled", changed_by="u")

    assert written.document["id"] == series_id
    assert statuses(app, series_id) == ["cancelled"] * 6
    assert video.deleted == [written.document["video_call"]["meeting_id"]]


def test_a_series_whose_sessions_all_started_has_none_left_to_cancel(
    app: AppointmentsApplication, clock: ManualClock, series_id: str
) -> None:
    clock.advance(STARTS[5] - clock.now_ms() + 1)

    with pytest.raises(SeriesAlreadyOver):
        app.change_status(series_id, status="cancelled", changed_by="u")

    assert app.get(series_id).version == 1


def test_cancelling_a_series_cancels_a_moved_session_yet_to_come(
    app: AppointmentsApplication, clock: ManualClock, series_id: str
) -> None:
    first, second = (occurrence_id(series_id, s) for s in STARTS[:2])
    later = STARTS[3] + 2 * HOUR_MS
    app.reschedule(first, start_time=later, end_time=later + HOUR_MS, changed_by="u")
    app.update(second, changed_by="u", changes={"name": "Renamed"})
    clock.advance(STARTS[2] - clock.now_ms() - HOUR_MS)

    app.change_status(series_id, status="cancelled", changed_by="u")

    assert app.get(first).document["status"] == "cancelled"
    assert app.get(second).document["status"] == "scheduled"


def test_the_time_that_took_the_status_is_free_again(
    app: AppointmentsApplication, container: Container, series_id: str
) -> None:
    app.change_status(
        occurrence_id(series_id, STARTS[4]),
        status="cancelled",
        changed_by="u",
        scope="this_and_following",
    )

    busy = container.busy_times.busy("user_patient", STARTS[0], STARTS[5] + HOUR_MS)

    assert [b.start_time for b in busy] == STARTS[:4]
    app.schedule(
        a_draft(start_time=STARTS[4], end_time=STARTS[4] + HOUR_MS, allow_overlap=False)
    )


def test_if_match_names_the_series_version(
    app: AppointmentsApplication, series_id: str
) -> None:
    with pytest.raises(VersionMismatch):
        app.change_status(
            occurrence_id(series_id, STARTS[2]),
            status="cancelled",
            changed_by="u",
            scope="this_and_following",
            expected_version=2,
        )


def test_this_and_following_on_a_single_appointment_is_refused(
    app: AppointmentsApplication,
) -> None:
    single = app.schedule(a_draft()).document["id"]

    with pytest.raises(InvalidAppointment) as refused:
        app.change_status(
            single, status="cancelled", changed_by="u", scope="this_and_following"
        )

    assert refused.value.param == "scope"
    assert app.get(single).version == 1
