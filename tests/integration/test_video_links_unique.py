"""Ten thousand locally minted video links, all unique across the store, as
PostgreSQL's constraints on the video-links table guarantee."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from application.video import LocalVideoMeetings
from infrastructure.bootstrap import Container
from infrastructure.recorder import AppointmentsRecorder
from tests.builders import HOUR_MS, START, a_draft

APPOINTMENTS = 10_000


@pytest.fixture
def video() -> LocalVideoMeetings:
    return LocalVideoMeetings()


def schedule_one(container: Container, n: int) -> tuple[str, dict[str, str]]:
    start = START + n * HOUR_MS
    draft = a_draft(
        host=f"host_{n}",
        attendees=[f"patient_{n}"],
        start_time=start,
        end_time=start + HOUR_MS,
    )
    written = container.app.schedule(draft)
    return written.document["id"], written.document["video_call"]


def test_ten_thousand_local_links_are_unique(container: Container, schema: str) -> None:
    links = dict(schedule_one(container, n) for n in range(APPOINTMENTS))

    recorder = container.app.recorder
    assert isinstance(recorder, AppointmentsRecorder)
    table = sql.Identifier(schema, recorder.video_links_table)
    query = sql.SQL(
        "SELECT count(*), count(DISTINCT meeting_id), count(DISTINCT join_url), "
        "count(DISTINCT appointment_id) FROM {}"
    ).format(table)
    with psycopg.connect(container.database_url) as conn:
        counts = conn.execute(query).fetchone()

    assert counts == (APPOINTMENTS,) * 4
    assert len({link["meeting_id"] for link in links.values()}) == APPOINTMENTS
    assert len({link["join_url"] for link in links.values()}) == APPOINTMENTS
