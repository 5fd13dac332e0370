"""Video links: unique across the store, and never orphaned (CONTRACT section 4)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError
from psycopg import sql

from application.ports import VideoMeeting
from application.service import AppointmentsApplication
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.builders import a_draft
from tests.fakes import ManualClock, RecordingVideoMeetings, RepeatingVideoMeetings


def stored_links(database_url: str, schema: str, table: str) -> list[tuple[str, str]]:
    query = sql.SQL("SELECT meeting_id, join_url FROM {}").format(
        sql.Identifier(schema, table)
    )
    with psycopg.connect(database_url) as conn:
        return [(row[0], row[1]) for row in conn.execute(query).fetchall()]


def test_every_video_appointment_gets_its_own_link(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    documents = [app.schedule(a_draft()).document for _ in range(10)]

    calls = [d["video_call"] for d in documents]
    assert len({c["meeting_id"] for c in calls}) == 10
    assert len({c["join_url"] for c in calls}) == 10
    assert calls == [m.as_document() for m in video.created]
    assert video.deleted == []


def test_the_link_is_kept_on_later_versions(app: AppointmentsApplication) -> None:
    written = app.schedule(a_draft())
    appointment_id = written.document["id"]

    app.update(appointment_id, changed_by="user_a", changes={"name": "Renamed"})

    assert (
        app.get(appointment_id).document["video_call"] == written.document["video_call"]
    )


@pytest.fixture
def taken(app: AppointmentsApplication) -> VideoMeeting:
    video_call = app.schedule(a_draft()).document["video_call"]
    return VideoMeeting(video_call["meeting_id"], video_call["join_url"])


@pytest.fixture
def repeating(
    settings: Settings, schema: str, clock: ManualClock, taken: VideoMeeting
) -> Iterator[tuple[AppointmentsApplication, RepeatingVideoMeetings]]:
    provider = RepeatingVideoMeetings(first=taken)
    other = bootstrap(settings, schema=schema, clock=clock, video=provider)
    yield other.app, provider
    other.close()


def test_a_link_already_taken_is_minted_again(
    repeating: tuple[AppointmentsApplication, RepeatingVideoMeetings],
    taken: VideoMeeting,
    database_url: str,
    schema: str,
) -> None:
    app, provider = repeating

    document = app.schedule(a_draft()).document

    assert len(provider.created) == 2
    assert document["video_call"] == provider.created[1].as_document()
    assert document["video_call"] != taken.as_document()
    links = stored_links(database_url, schema, app.recorder.video_links_table)  # type: ignore[attr-defined]
    assert len(links) == len(set(links)) == 2
    assert (taken.meeting_id, taken.join_url) in links


def test_a_link_already_taken_is_not_deleted_from_its_holder(
    repeating: tuple[AppointmentsApplication, RepeatingVideoMeetings],
    taken: VideoMeeting,
) -> None:
    app, provider = repeating

    app.schedule(a_draft())

    assert taken.meeting_id not in provider.deleted


def test_a_meeting_whose_appointment_fails_to_record_is_deleted(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    existing = app.schedule(a_draft()).document

    with pytest.raises(IntegrityError):
        app.schedule(a_draft(), appointment_id=existing["id"])

    assert video.deleted == [video.created[1].meeting_id]
    assert app.get(existing["id"]).document == existing


def test_an_in_person_appointment_books_no_meeting(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    location = {"address": "1 Main Street"}

    document = app.schedule(a_draft(interaction_type="in_person", location=location))

    assert document.document["video_call"] is None
    assert video.created == []
