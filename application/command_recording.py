"""What every command on appointments shares: the clock, the video service,
one writer per appointment at a time with a retry budget, the save of new
events with the rows that commit with them (video link, bookings, the
Idempotency-Key's response), and the video meeting kept in step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eventsourcing.persistence import Recording
from eventsourcing.utils import EnvType

from application.bookings import Booking, booking_of
from application.contention import RetryBudget, WriterLocks
from application.errors import database_errors
from application.event_store_queries import EventStoreQueries
from application.idempotency import Receipt, answer
from application.ports import (
    Clock,
    DuplicateVideoLink,
    MeetingRequest,
    SystemClock,
    VideoMeeting,
    VideoMeetings,
)
from application.queries import AppointmentState
from application.video import LocalVideoMeetings
from application.video_sync import delete_quietly, follow_up
from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.occurrences import is_occurrence
from domain.values import Document

WRITE_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class CommandResult(AppointmentState):
    """The appointment after a command, and the feed position of the command's
    last event (``None`` when it changed nothing), for read-your-writes."""

    position: int | None


class CommandRecording(EventStoreQueries):
    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Clock | None = None,
        video: VideoMeetings | None = None,
        write_retry_seconds: float = WRITE_RETRY_SECONDS,
    ) -> None:
        super().__init__(env)
        self.clock: Clock = clock or SystemClock()
        self.video: VideoMeetings = video or LocalVideoMeetings()
        self.writers = WriterLocks()
        self.write_retries = RetryBudget(write_retry_seconds)

    def _book_meeting(
        self, appointment_id: str, draft: AppointmentDraft
    ) -> VideoMeeting | None:
        if not draft.is_video_call:
            return None
        return self.video.create_meeting(
            MeetingRequest(
                appointment_id=appointment_id,
                topic=draft.name,
                start_time=draft.start_time,
                end_time=draft.end_time,
            )
        )

    def _save_new_all(
        self,
        appointments: list[Appointment],
        meeting: VideoMeeting | None,
        *,
        allow_overlap: bool = False,
        receipt: Receipt | None = None,
    ) -> Sequence[Recording[str]]:
        """Record a new appointment (first) and any others changed with it."""
        bookings = [
            booking_of(a.document, allow_overlap=allow_overlap) for a in appointments
        ]
        return self._save_all(appointments, meeting, bookings, receipt=receipt)

    def _save(
        self,
        appointment: Appointment,
        bookings: list[Booking],
        meeting: VideoMeeting | None = None,
        *,
        receipt: Receipt | None = None,
    ) -> Sequence[Recording[str]]:
        return self._save_all([appointment], meeting, bookings, receipt=receipt)

    def _save_all(
        self,
        appointments: list[Appointment],
        meeting: VideoMeeting | None,
        bookings: list[Booking],
        *,
        receipt: Receipt | None = None,
    ) -> Sequence[Recording[str]]:
        """Record the appointments' new events, the link of a meeting booked
        for the first, their bookings, and the key's response to the first;
        never leave the meeting orphaned."""
        try:
            with database_errors():
                return self.save(
                    *appointments,
                    video_meeting=meeting,
                    bookings=bookings,
                    keyed_response=answer(receipt, appointments[0]),
                )
        except DuplicateVideoLink:
            raise  # the link is another appointment's: deleting it would break theirs
        except BaseException:
            if meeting is not None:
                delete_quietly(self.video, meeting.meeting_id)
            raise

    def _follow_up(self, before: Document, after: Document) -> None:
        """Keep the video meeting in step, once the change is committed."""
        follow_up(self.video, before, after, shares_link=self._shares_series_link)

    def _shares_series_link(self, document: Document) -> bool:
        """Whether an occurrence's link is its series' (not one of its own,
        booked when it became a video call on its own)."""
        if not is_occurrence(document):
            return False
        series = self._stored_document(document["recurring"]["series"])
        return series is None or series["video_call"] == document["video_call"]

    @staticmethod
    def _result(
        appointment: Appointment, recordings: Sequence[Recording[str]]
    ) -> CommandResult:
        position = recordings[-1].notification.id if recordings else None
        return CommandResult(dict(appointment.document), appointment.version, position)
