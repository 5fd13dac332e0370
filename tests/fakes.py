"""Fakes of the ports we own at the edge."""

from __future__ import annotations

import threading

from application.ports import MeetingRequest, VideoMeeting, VideoProviderUnavailable
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
        self.updated: list[tuple[str, MeetingRequest]] = []
        self.deleted: list[str] = []

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        meeting = super().create_meeting(request)
        self.created.append(meeting)
        return meeting

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> None:
        self.updated.append((meeting_id, request))

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


class FlakyVideoMeetings(RecordingVideoMeetings):
    """Fails with the provider's error while ``failures`` is above zero."""

    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__()
        self.failures = 0
        self.retry_after = retry_after

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        self._maybe_fail()
        return super().create_meeting(request)

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> None:
        self._maybe_fail()
        super().update_meeting(meeting_id, request)

    def delete_meeting(self, meeting_id: str) -> None:
        self._maybe_fail()
        super().delete_meeting(meeting_id)

    def _maybe_fail(self) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise VideoProviderUnavailable(
                "provider down", retry_after=self.retry_after
            )
