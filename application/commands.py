"""The commands on one appointment: load it, let it check and change itself,
save its new events, and keep its video meeting in step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import EnvType

from application.acting import acting_key
from application.bookings import Booking, booking_of, rebooking
from application.errors import (
    AppointmentNotFound,
    DatabaseUnavailable,
    VersionMismatch,
    WriteContention,
    database_errors,
)
from application.event_store_queries import EventStoreQueries
from application.ports import (
    Clock,
    DuplicateVideoLink,
    MeetingRequest,
    SystemClock,
    VideoMeeting,
    VideoMeetings,
)
from application.queries import AppointmentState
from application.recurrence import check_series
from application.video import LocalVideoMeetings
from application.video_sync import MeetingBooking, delete_quietly, follow_up
from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.ids import new_appointment_id
from domain.occurrences import is_occurrence
from domain.values import Document

MAX_WRITE_ATTEMPTS = 10
MAX_LINK_ATTEMPTS = 5


@dataclass(frozen=True)
class CommandResult(AppointmentState):
    """The appointment after a command, and the feed position of the command's
    last event (``None`` when it changed nothing), for read-your-writes."""

    position: int | None


class AppointmentCommands(EventStoreQueries):
    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Clock | None = None,
        video: VideoMeetings | None = None,
    ) -> None:
        super().__init__(env)
        self.clock: Clock = clock or SystemClock()
        self.video: VideoMeetings = video or LocalVideoMeetings()

    def schedule(
        self, draft: AppointmentDraft, *, appointment_id: str | None = None
    ) -> CommandResult:
        draft.validate()
        if draft.is_series:
            check_series(draft.series_times())
        appointment_id = appointment_id or new_appointment_id()
        for _ in range(MAX_LINK_ATTEMPTS):
            meeting = self._book_meeting(appointment_id, draft)
            appointment = Appointment.schedule(
                appointment_id=appointment_id,
                draft=draft,
                video_call=meeting.as_document() if meeting else None,
                at=self.clock.now_ms(),
                api_key=acting_key(),
            )
            try:
                recordings = self._save_new_all(
                    [appointment], meeting, allow_overlap=draft.allow_overlap
                )
            except DuplicateVideoLink:
                continue
            return self._result(appointment, recordings)
        raise DatabaseUnavailable("could not mint a unique video link")

    def update(
        self,
        appointment_id: str,
        *,
        changed_by: str,
        changes: dict[str, Any],
        expected_version: int | None = None,
        allow_overlap: bool = False,
    ) -> CommandResult:
        """A change to ``video_call`` books a meeting, minted again when its
        link turns out to be taken (as on create)."""
        for _ in range(MAX_LINK_ATTEMPTS):
            booking = MeetingBooking(self.video)
            command = partial(
                Appointment.update,
                changed_by=changed_by,
                at=self.clock.now_ms(),
                changes=dict(changes),
                allow_overlap=allow_overlap,
                book_meeting=booking,
            )
            try:
                return self._change(
                    appointment_id,
                    changed_by,
                    command,
                    expected_version,
                    allow_overlap=allow_overlap,
                    booking=booking,
                )
            except DuplicateVideoLink:
                continue
        raise DatabaseUnavailable("could not mint a unique video link")

    def reschedule(
        self,
        appointment_id: str,
        *,
        start_time: int,
        end_time: int,
        changed_by: str,
        expected_version: int | None = None,
        allow_overlap: bool = False,
    ) -> CommandResult:
        return self._change(
            appointment_id,
            changed_by,
            lambda a: a.reschedule(
                start_time=start_time,
                end_time=end_time,
                changed_by=changed_by,
                at=self.clock.now_ms(),
                check_series=check_series,
                allow_overlap=allow_overlap,
            ),
            expected_version,
            allow_overlap=allow_overlap,
        )

    def change_status(
        self,
        appointment_id: str,
        *,
        status: str,
        changed_by: str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            appointment_id,
            changed_by,
            lambda a: a.change_status(
                status=status,
                changed_by=changed_by,
                at=self.clock.now_ms(),
                reason=reason,
            ),
            expected_version,
        )

    def change_attendee(
        self,
        appointment_id: str,
        attendee_id: str,
        *,
        changed_by: str,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            appointment_id,
            changed_by,
            lambda a: a.change_attendee(
                attendee_id=attendee_id,
                changed_by=changed_by,
                at=self.clock.now_ms(),
                changes=dict(changes),
            ),
            expected_version,
        )

    # --- internals ---------------------------------------------------------------

    def _change(
        self,
        appointment_id: str,
        changed_by: str,
        command: Callable[[Appointment], None],
        expected_version: int | None,
        *,
        allow_overlap: bool = False,
        booking: MeetingBooking | None = None,
    ) -> CommandResult:
        for _ in range(MAX_WRITE_ATTEMPTS):
            appointment, version = self._load_for_change(appointment_id, changed_by)
            if expected_version is not None and version != expected_version:
                raise VersionMismatch(appointment_id, expected_version, version)
            before = appointment.document
            pending = len(appointment.pending_events)
            command(appointment)
            if len(appointment.pending_events) == pending:
                return CommandResult(dict(before), version, None)
            bookings = rebooking(
                None if version == 0 else before,
                appointment.document,
                allow_overlap=allow_overlap,
            )
            meeting = booking.meeting if booking else None
            try:
                recordings = self._save(appointment, bookings, meeting)
            except IntegrityError:
                if expected_version is not None:
                    current = self._load_for_change(appointment_id, changed_by)[1]
                    raise VersionMismatch(
                        appointment_id, expected_version, current
                    ) from None
                continue
            self._follow_up(before, appointment.document)
            return self._result(appointment, recordings)
        raise WriteContention(appointment_id, MAX_WRITE_ATTEMPTS)

    def _load_for_change(
        self, appointment_id: str, changed_by: str
    ) -> tuple[Appointment, int]:
        """The aggregate to change and its version; an occurrence that has no
        history yet is detached from its series first (version 0)."""
        try:
            appointment = self._load(appointment_id)
        except AppointmentNotFound:
            occurrence = self._occurrence(appointment_id)
            detached = Appointment.detach(
                occurrence=occurrence,
                changed_by=changed_by,
                at=self.clock.now_ms(),
                api_key=acting_key(),
            )
            return detached, 0
        return appointment, appointment.version

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
    ) -> Sequence[Recording[str]]:
        """Record a new appointment (first) and any others changed with it."""
        bookings = [
            booking_of(a.document, allow_overlap=allow_overlap) for a in appointments
        ]
        return self._save_all(appointments, meeting, bookings)

    def _save(
        self,
        appointment: Appointment,
        bookings: list[Booking],
        meeting: VideoMeeting | None = None,
    ) -> Sequence[Recording[str]]:
        return self._save_all([appointment], meeting, bookings)

    def _save_all(
        self,
        appointments: list[Appointment],
        meeting: VideoMeeting | None,
        bookings: list[Booking],
    ) -> Sequence[Recording[str]]:
        """Record the appointments' new events, the link of a meeting booked
        for the first, and their bookings; never leave the meeting orphaned."""
        try:
            with database_errors():
                return self.save(
                    *appointments, video_meeting=meeting, bookings=bookings
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
