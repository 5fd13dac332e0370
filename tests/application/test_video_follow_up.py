"""The video meeting follows its appointment: moved, renamed, deleted on cancel."""

from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings
from tests.builders import HOUR_MS, START, a_draft
from tests.fakes import FlakyVideoMeetings, ManualClock, RecordingVideoMeetings


def test_cancelling_deletes_the_meeting(
    container: Container, video: RecordingVideoMeetings
) -> None:
    created = container.app.schedule(a_draft())
    meeting_id = created.document["video_call"]["meeting_id"]

    container.app.change_status(
        created.document["id"], status="cancelled", changed_by="user_x"
    )

    assert video.deleted == [meeting_id]


def test_rescheduling_moves_the_meeting(
    container: Container, video: RecordingVideoMeetings
) -> None:
    created = container.app.schedule(a_draft())
    appointment_id = created.document["id"]

    container.app.reschedule(
        appointment_id,
        start_time=START + 2 * HOUR_MS,
        end_time=START + 3 * HOUR_MS,
        changed_by="user_x",
    )

    [(meeting_id, request)] = video.updated
    assert meeting_id == created.document["video_call"]["meeting_id"]
    assert (request.start_time, request.end_time) == (
        START + 2 * HOUR_MS,
        START + 3 * HOUR_MS,
    )


def test_renaming_retitles_the_meeting_and_other_changes_do_not(
    container: Container, video: RecordingVideoMeetings
) -> None:
    appointment_id = container.app.schedule(a_draft()).document["id"]

    container.app.update(
        appointment_id, changed_by="user_x", changes={"description": "new text"}
    )
    container.app.update(appointment_id, changed_by="user_x", changes={"name": "New"})

    assert [request.topic for _, request in video.updated] == ["New"]


def test_an_in_person_appointment_has_no_meeting_to_follow(
    container: Container, video: RecordingVideoMeetings
) -> None:
    draft = a_draft(interaction_type="in_person", location={"address": "1 Main St"})
    appointment_id = container.app.schedule(draft).document["id"]

    container.app.change_status(appointment_id, status="cancelled", changed_by="u")

    assert video.created == []
    assert video.deleted == []


def test_a_provider_failure_after_the_cancel_keeps_the_cancel(
    settings: Settings, schema: str, clock: ManualClock
) -> None:
    flaky = FlakyVideoMeetings()
    container = bootstrap(settings, schema=schema, clock=clock, video=flaky)
    try:
        appointment_id = container.app.schedule(a_draft()).document["id"]
        flaky.failures = 1

        written = container.app.change_status(
            appointment_id, status="cancelled", changed_by="u"
        )

        assert written.document["status"] == "cancelled"
        assert container.app.get(appointment_id).document["status"] == "cancelled"
    finally:
        container.close()
