"""Ports the application depends on; infrastructure and tests implement them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    def now_ms(self) -> int:
        """The current time as Unix epoch milliseconds, UTC."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class VideoMeeting:
    meeting_id: str
    join_url: str

    def as_document(self) -> dict[str, str]:
        return {"join_url": self.join_url, "meeting_id": self.meeting_id}


@dataclass(frozen=True)
class MeetingRequest:
    """What a provider needs to book a meeting for an appointment."""

    appointment_id: str
    topic: str
    start_time: int
    end_time: int


class VideoMeetings(Protocol):
    def create_meeting(self, request: MeetingRequest) -> VideoMeeting: ...

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> None: ...

    def delete_meeting(self, meeting_id: str) -> None: ...


class DuplicateVideoLink(Exception):
    """The event store already holds an appointment with this meeting id or URL."""

    def __init__(self, meeting: VideoMeeting) -> None:
        super().__init__(f"Video meeting {meeting.meeting_id} is already taken.")
        self.meeting = meeting


class VideoProviderUnavailable(Exception):
    """The video provider failed, timed out or kept rate-limiting the request.

    ``retry_after`` (seconds) is set when the provider said when to come back.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@runtime_checkable
class Histories(Protocol):
    """Which appointments have events of their own (the event store's recorder)."""

    def with_history(self, appointment_ids: Sequence[str]) -> set[str]:
        """Those of ``appointment_ids`` that have at least one recorded event."""
        ...
