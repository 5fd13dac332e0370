"""Keeping an outside video meeting in step with its appointment's events.

These calls run after the events are committed: the appointment's history is
the truth, so a provider failure here is logged, never turned into a failed
request (whose retry would find the change already made).
"""

from __future__ import annotations

import logging

from application.ports import MeetingRequest, VideoMeetings, VideoProviderUnavailable
from domain.occurrences import is_occurrence
from domain.values import Document, Status

logger = logging.getLogger("appointments.video")

MEETING_FIELDS = ("name", "start_time", "end_time")


def follow_up(video: VideoMeetings, before: Document, after: Document) -> None:
    """Delete the meeting of a cancelled appointment; move a moved or renamed one."""
    if not before.get("video_call") or is_occurrence(before):
        return  # no meeting, or the series' meeting, which one occurrence shares
    meeting_id = before["video_call"]["meeting_id"]
    try:
        if after["status"] == Status.CANCELLED and before["status"] != Status.CANCELLED:
            video.delete_meeting(meeting_id)
        elif any(before[f] != after[f] for f in MEETING_FIELDS):
            video.update_meeting(meeting_id, meeting_request(after))
    except VideoProviderUnavailable as error:
        logger.warning(
            "video meeting %s of %s not kept in step: %s",
            meeting_id,
            after["id"],
            error.message,
        )


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
