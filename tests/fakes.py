"""Fakes of the ports we own at the edge."""

from __future__ import annotations

import threading

from application.ports import MeetingRequest, VideoMeeting
from application.video import LocalVideoMeetings

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


class ManualClock:
    """A clock that moves only when told, one millisecond per reading by default."""

    def __init__(self, now_ms: int = START_MS, step_ms: int = 1) -> None:
        self._now = now_ms
        self._step = step_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            self._now += self._step
            return self._now

    def advance(self, ms: int) -> None:
        with self._lock:
            self._now += ms


class RecordingVideoMeetings(LocalVideoMeetings):
    """Local links that remember what was created and deleted."""

    def __init__(self) -> None:
        super().__init__()
        self.created: list[VideoMeeting] = []
        self.deleted: list[str] = []

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        meeting = super().create_meeting(request)
        self.created.append(meeting)
        return meeting

    def delete_meeting(self, meeting_id: str) -> None:
        self.deleted.append(meeting_id)


class RepeatingVideoMeetings(RecordingVideoMeetings):
    """Hands out the same link first, to prove the store rejects duplicates."""

    def __init__(self, first: VideoMeeting) -> None:
        super().__init__()
        self.first = first

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        if not self.created:
            self.created.append(self.first)
            return self.first
        return super().create_meeting(request)
