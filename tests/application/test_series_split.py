"""docs/recurring.md: splitting a series checks the series before booking."""

from __future__ import annotations

import pytest

from application.service import AppointmentsApplication
from domain.errors import AppointmentCancelled
from domain.ids import occurrence_id
from tests.builders import HOUR_MS, START, a_draft
from tests.fakes import RecordingVideoMeetings

WEEK_MS = 7 * 24 * HOUR_MS
WEEKLY = {"is_recurring": True, "rule": "FREQ=WEEKLY;COUNT=4", "timezone": "UTC"}


def test_a_cancelled_series_is_not_split_and_books_no_meeting(
    app: AppointmentsApplication, video: RecordingVideoMeetings
) -> None:
    series_id = app.schedule(a_draft(recurring=WEEKLY)).document["id"]
    app.change_status(series_id, status="cancelled", changed_by="user_host")
    booked = len(video.created)
    moved = START + 2 * WEEK_MS + HOUR_MS

    with pytest.raises(AppointmentCancelled):
        app.split_series(
            occurrence_id(series_id, START + 2 * WEEK_MS),
            start_time=moved,
            end_time=moved + HOUR_MS,
            changed_by="user_host",
        )

    assert len(video.created) == booked
    assert app.get(series_id).version == 2
