"""The default video provider: mints meeting links locally, no outside service."""

from __future__ import annotations

import secrets

from application.ports import MeetingRequest, VideoMeeting

MEETING_ID_DIGITS = 11


class LocalVideoMeetings:
    """Random 11-digit meeting ids, as Zoom's look.

    Random ids are not unique by themselves: the event store's unique
    constraint on meeting id and URL is what guarantees it, and the
    application mints again on the (rare) collision.
    """

    def __init__(self, base_url: str = "https://meet.appointments.local/j/") -> None:
        self.base_url = base_url

    def create_meeting(self, request: MeetingRequest) -> VideoMeeting:
        first = secrets.choice("123456789")
        rest = "".join(
            secrets.choice("0123456789") for _ in range(MEETING_ID_DIGITS - 1)
        )
        meeting_id = first + rest
        return VideoMeeting(meeting_id=meeting_id, join_url=self.base_url + meeting_id)

    def update_meeting(self, meeting_id: str, request: MeetingRequest) -> None:
        """Local links carry no time or topic to keep in step."""

    def delete_meeting(self, meeting_id: str) -> None:
        """Local links hold no outside resource."""
