"""Keeping an outside video meeting in step with its appointment's events.

These calls run after the events are committed: the appointment's history is
the truth, so a provider failure here is logged, never turned into a failed
request (whose retry would find the change already made).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from application.ports import (
    MeetingRequest,
    VideoMeeting,
    VideoMeetings,
    VideoProviderUnavailable,
)
from domain.occurrences import is_occurrence
from domain.values import Document, Status

logger = logging.getLogger("appointments.video")

MEETING_FIELDS = ("name", "start_time", "end_time")


def follow_up(
    video: VideoMeetings,
    before: Document,
    after: Document,
    *,
    shares_link: Callable[[Document], bool] = is_occurrence,
) -> None:
    """Delete the meeting of an appointment cancelled or no longer a video
    call; move or rename a moved or renamed one. A meeting an occurrence
    shares with its series (``shares_link``) is the series' to keep."""
    if not before.get("video_call") or not changes_meeting(before, after):
        return
    if shares_link(before):
        return
    meeting_id = before["video_call"]["meeting_id"]
    try:
        if released(before, after):
            video.delete_meeting(meeting_id)
        else:
            video.update_meeting(meeting_id, meeting_request(after))
    except VideoProviderUnavailable as error:
        logger.warning(
            "video meeting %s of %s not kept in step: %s",
            meeting_id,
            after["id"],
            error.message,
        )


def changes_meeting(before: Document, after: Document) -> bool:
    return released(before, after) or any(before[f] != after[f] for f in MEETING_FIELDS)


def released(before: Document, after: Document) -> bool:
    """The meeting is no longer needed: the appointment was cancelled, or is
    no longer a video call."""
    if after["status"] == Status.CANCELLED and before["status"] != Status.CANCELLED:
        return True
    return after["video_call"] is None


def meeting_request(document: Document) -> MeetingRequest:
    return MeetingRequest(
        appointment_id=document["id"],
        topic=document["name"],
        start_time=document["start_time"],
        end_time=document["end_time"],
    )


def delete_quietly(video: VideoMeetings, meeting_id: str) -> None:
    """Best-effort clean-up that must not hide the error that caused it."""
    try:
        video.delete_meeting(meeting_id)
    except VideoProviderUnavailable as error:
        logger.warning("orphan video meeting %s not deleted: %s", meeting_id, error)


class MeetingBooking:
    """Books a meeting when a change makes a video call of an appointment (the
    aggregate's ``MeetingBooker``) and remembers it, so that the save claims
    its link, and deletes it if the save fails."""

    def __init__(self, video: VideoMeetings) -> None:
        self.video = video
        self.meeting: VideoMeeting | None = None

    def __call__(self, document: Document) -> Document:
        self.meeting = self.video.create_meeting(meeting_request(document))
        return self.meeting.as_document()
