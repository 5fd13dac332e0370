"""CONTRACT section 11 on PostgreSQL: a new host, a switch of interaction type,
a new location; meetings booked uniquely and released after the commit, and
every change conflict-checked like a booking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.ports import VideoMeeting
from application.service import AppointmentsApplication
from domain.errors import ScheduleConflict
from domain.ids import occurrence_id
from infrastructure.bootstrap import Container, bootstrap
from infrastructure.settings import Settings
from tests.application.test_video_links import stored_links
from tests.builders import HOUR_MS, START, a_draft
from tests.fakes import ManualClock, RecordingVideoMeetings, RepeatingVideoMeetings

ADDRESS = {"address": "1 Main Street"}
IN_PERSON = {"interaction_type": "in_person", "location": ADDRESS}
WEEK = 7 * 24 * HOUR_MS
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=4", "timezone": "UTC"}


def test_a_new_host_keeps_the_id_link_and_history(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    created = app.schedule(a_draft()).document

    written = app.update(created["id"], changed_by="u", changes={"host": "user_new"})

    assert written.document["id"] == created["id"]
    assert written.document["video_call"] == created["video_call"]
    assert written.document["host"] == "user_new"
    assert app.get_at_version(created["id"], 1).document["host"] == "user_host"
    assert video.updated == []
    assert video.deleted == []


def test_a_switch_to_video_books_a_meeting_recorded_with_the_change(
    app: AppointmentsApplication,
    video: RecordingVideoMeetings,
    database_url: str,
    schema: str,
) -> None:
    appointment_id = app.schedule(a_draft(**IN_PERSON)).document["id"]

    written = app.update(
        appointment_id, changed_by="u", changes={"interaction_type": "video_call"}
    )

    (meeting,) = video.created
    assert written.document["video_call"] == meeting.as_document()
    assert written.document["location"] is None
    links = stored_links(database_url, schema, app.recorder.video_links_table)  # type: ignore[attr-defined]
    assert links == [(meeting.meeting_id, meeting.join_url)]
    assert app.get_at_version(appointment_id, 1).document["video_call"] is None


@pytest.fixture
def repeating(
    settings: Settings, schema: str, clock: ManualClock, app: AppointmentsApplication
) -> Iterator[tuple[AppointmentsApplication, RepeatingVideoMeetings, VideoMeeting]]:
    """A second process whose provider first hands out a link already taken."""
    video_call = app.schedule(a_draft()).document["video_call"]
    taken = VideoMeeting(video_call["meeting_id"], video_call["join_url"])
    provider = RepeatingVideoMeetings(first=taken)
    other = bootstrap(settings, schema=schema, clock=clock, video=provider)
    yield other.app, provider, taken
    other.close()


def test_a_switch_to_video_mints_a_taken_link_again(
    repeating: tuple[AppointmentsApplication, RepeatingVideoMeetings, VideoMeeting],
) -> None:
    app, provider, taken = repeating
    appointment_id = app.schedule(a_draft(**IN_PERSON)).document["id"]

    written = app.update(
        appointment_id, changed_by="u", changes={"interaction_type": "video_call"}
    )

    assert len(provider.created) == 2
    assert written.document["video_call"] == provider.created[1].as_document()
    assert taken.meeting_id not in provider.deleted
    assert app.get(appointment_id).version == 2


def test_switching_away_releases_the_meeting_after_the_commit(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    created = app.schedule(a_draft()).document

    written = app.update(created["id"], changed_by="u", changes=IN_PERSON)

    assert video.deleted == [created["video_call"]["meeting_id"]]
    assert written.document["video_call"] is None
    assert written.document["location"] == ADDRESS


def test_an_occurrence_switching_away_leaves_its_series_meeting(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    series = app.schedule(a_draft(recurring=WEEKLY)).document
    second = occurrence_id(series["id"], START + WEEK)

    written = app.update(second, changed_by="u", changes=IN_PERSON)

    assert written.document["video_call"] is None
    assert video.deleted == []
    assert app.get(series["id"]).document["video_call"] == series["video_call"]


def test_an_occurrence_that_became_a_video_call_owns_its_meeting(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    series = app.schedule(a_draft(recurring=WEEKLY, **IN_PERSON)).document
    second = occurrence_id(series["id"], START + WEEK)

    app.update(second, changed_by="u", changes={"interaction_type": "video_call"})
    app.change_status(second, status="cancelled", changed_by="u")

    (own,) = video.created
    assert video.deleted == [own.meeting_id]
    assert app.get(series["id"]).document["video_call"] is None


def test_a_new_host_who_is_busy_is_a_conflict_unless_allowed(
    app: AppointmentsApplication, container: Container
) -> None:
    busy = app.schedule(a_draft(host="user_b", attendees=[], allow_overlap=False))
    mine = app.schedule(a_draft(attendees=[], allow_overlap=False)).document["id"]

    with pytest.raises(ScheduleConflict) as refused:
        app.update(mine, changed_by="u", changes={"host": "user_b"})
    assert [(c.appointment, c.user) for c in refused.value.conflicts] == [
        (busy.document["id"], "user_b")
    ]
    assert app.get(mine).version == 1

    app.update(mine, changed_by="u", changes={"host": "user_b"}, allow_overlap=True)

    held = container.busy_times.busy("user_b", START, START + HOUR_MS)
    assert sorted(b.appointment for b in held) == sorted([busy.document["id"], mine])
    assert container.busy_times.busy("user_host", START, START + HOUR_MS) == []


def test_a_refused_switch_to_video_deletes_the_meeting_it_booked(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    app.schedule(a_draft(host="user_b", attendees=[], allow_overlap=False))
    draft = a_draft(attendees=[], allow_overlap=False, **IN_PERSON)
    mine = app.schedule(draft).document["id"]

    with pytest.raises(ScheduleConflict):
        app.update(
            mine,
            changed_by="u",
            changes={"host": "user_b", "interaction_type": "video_call"},
        )

    _busy, booked = video.created
    assert video.deleted == [booked.meeting_id]
    assert app.get(mine).document["video_call"] is None
