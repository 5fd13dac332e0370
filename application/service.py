"""The appointments application: one verb per command, and event-store queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    Recording,
)
from eventsourcing.utils import EnvType

from application.bookings import Booking, booking_of, rebooking
from application.errors import (
    AppointmentNotFound,
    DatabaseUnavailable,
    VersionMismatch,
    VersionNotFound,
    WriteContention,
    database_errors,
)
from application.feed import FeedPage, build_page
from application.ports import (
    Clock,
    DuplicateVideoLink,
    MeetingRequest,
    SystemClock,
    VideoMeeting,
    VideoMeetings,
)
from application.queries import AppointmentState
from application.recurrence import Series, check_series, continuation, rule_until
from application.video import LocalVideoMeetings
from application.video_sync import delete_quietly, follow_up
from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.errors import InvalidAppointment
from domain.history import change_log, events_as_of, events_up_to_version, fold
from domain.ids import (
    change_log_id,
    is_appointment_id,
    new_appointment_id,
    parse_occurrence_id,
)
from domain.occurrences import occurrence_document
from domain.values import Document

MAX_WRITE_ATTEMPTS = 10
MAX_LINK_ATTEMPTS = 5


@dataclass(frozen=True)
class Written(AppointmentState):
    """The outcome of a command; ``position`` is the feed position of its last
    event (``None`` when the command changed nothing), for read-your-writes."""

    position: int | None


class AppointmentsApplication(Application[str]):
    name = "Appointments"

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

    # --- commands -----------------------------------------------------------

    def schedule(
        self, draft: AppointmentDraft, *, appointment_id: str | None = None
    ) -> Written:
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
            )
            try:
                recordings = self._save_new_all([appointment], meeting)
            except DuplicateVideoLink:
                continue
            return self._written(appointment, recordings)
        raise DatabaseUnavailable("could not mint a unique video link")

    def update(
        self,
        appointment_id: str,
        *,
        changed_by: str,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> Written:
        return self._change(
            appointment_id,
            changed_by,
            lambda a: a.update(
                changed_by=changed_by, at=self.clock.now_ms(), changes=dict(changes)
            ),
            expected_version,
        )

    def reschedule(
        self,
        appointment_id: str,
        *,
        start_time: int,
        end_time: int,
        changed_by: str,
        expected_version: int | None = None,
    ) -> Written:
        def move(appointment: Appointment) -> None:
            appointment.reschedule(
                start_time=start_time,
                end_time=end_time,
                changed_by=changed_by,
                at=self.clock.now_ms(),
            )
            if appointment.is_series:
                check_series(appointment.document)

        return self._change(appointment_id, changed_by, move, expected_version)

    def split_series(
        self,
        occurrence_id: str,
        *,
        start_time: int,
        end_time: int,
        changed_by: str,
        expected_version: int | None = None,
    ) -> Written:
        """Move this occurrence and all that follow: the series ends before it
        and a new series, linked both ways, continues from its new time.
        ``expected_version`` is the series' version."""
        series_id, original = self._occurrence_of_series(occurrence_id)
        for _ in range(MAX_LINK_ATTEMPTS):
            series = self._load(series_id)
            if expected_version is not None and series.version != expected_version:
                raise VersionMismatch(series_id, expected_version, series.version)
            draft = continuation(
                series.document, original, start_time, end_time, changed_by
            )
            try:
                return self._split(series, original, draft, changed_by)
            except (DuplicateVideoLink, IntegrityError):
                continue
        raise WriteContention(series_id, MAX_LINK_ATTEMPTS)

    def _split(
        self,
        series: Appointment,
        original: int,
        draft: AppointmentDraft,
        changed_by: str,
    ) -> Written:
        draft.validate()
        check_series(draft.series_times())
        new_id = new_appointment_id()
        meeting = self._book_meeting(new_id, draft)
        at = self.clock.now_ms()
        video_call = meeting.as_document() if meeting else None
        remainder = Appointment.schedule(
            appointment_id=new_id, draft=draft, video_call=video_call, at=at
        )
        series.end_series(
            rule=rule_until(series.document["recurring"]["rule"], original),
            continued_by=new_id,
            changed_by=changed_by,
            at=at,
        )
        # The new series first: the recorder claims the link for the first stream.
        recordings = self._save_new_all([remainder, series], meeting)
        return self._written(remainder, recordings)

    def _occurrence_of_series(self, occurrence_id: str) -> tuple[str, int]:
        """The series id and original start of an occurrence after the first."""
        occurrence = self._virtual_occurrence(occurrence_id)
        series_id = occurrence["recurring"]["series"]
        original = occurrence["recurring"]["original_start_time"]
        if original == self._load(series_id).document["start_time"]:
            raise InvalidAppointment(
                "The first occurrence starts the series: reschedule the series "
                "itself to move them all.",
                "scope",
            )
        return series_id, original

    def change_status(
        self,
        appointment_id: str,
        *,
        status: str,
        changed_by: str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
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
    ) -> Written:
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

    # --- queries over the event store ------------------------------------------

    def get(self, appointment_id: str) -> AppointmentState:
        appointment = self._load(appointment_id)
        return AppointmentState(dict(appointment.document), appointment.version)

    def get_at_version(self, appointment_id: str, version: int) -> AppointmentState:
        events = self.events_of(appointment_id)
        if not 1 <= version <= len(events):
            raise VersionNotFound(appointment_id, version, len(events))
        return self._state_of(events_up_to_version(events, version))

    def get_as_of(self, appointment_id: str, at: int) -> AppointmentState:
        events = events_as_of(self.events_of(appointment_id), at)
        if not events:
            raise AppointmentNotFound(appointment_id, param="as_of")
        return self._state_of(events)

    def change_log(self, appointment_id: str) -> Document:
        """Every change, oldest first; an occurrence that never changed on its
        own has none (its series' log shows the series' changes)."""
        try:
            entries = change_log(self.events_of(appointment_id))
        except AppointmentNotFound:
            self._virtual_occurrence(appointment_id)
            entries = []
        return {
            "id": change_log_id(appointment_id),
            "object": "change_log",
            "appointment": appointment_id,
            "entries": entries,
        }

    def feed(self, *, after: int, limit: int) -> FeedPage:
        """Events after feed position ``after``, in the order they were recorded."""
        with database_errors():
            notifications = self.recorder.select_notifications(
                start=after + 1, limit=limit + 1
            )
            return build_page(notifications, limit, self.mapper, self.events_of)

    def head_position(self) -> int:
        """The newest feed position in the event store (0 when empty)."""
        with database_errors():
            return self.recorder.max_notification_id() or 0

    def events_of(self, appointment_id: str) -> list[Appointment.Event]:
        if not is_appointment_id(appointment_id):
            raise AppointmentNotFound(appointment_id)
        with database_errors():
            events = [
                e
                for e in self.events.get(appointment_id)
                if isinstance(e, Appointment.Event)
            ]
        if not events:
            raise AppointmentNotFound(appointment_id)
        return events

    # --- internals ---------------------------------------------------------------

    def _change(
        self,
        appointment_id: str,
        changed_by: str,
        command: Callable[[Appointment], None],
        expected_version: int | None,
    ) -> Written:
        for _ in range(MAX_WRITE_ATTEMPTS):
            appointment, version = self._load_for_change(appointment_id, changed_by)
            if expected_version is not None and version != expected_version:
                raise VersionMismatch(appointment_id, expected_version, version)
            before = appointment.document
            pending = len(appointment.pending_events)
            command(appointment)
            if len(appointment.pending_events) == pending:
                return Written(dict(before), version, None)
            bookings = rebooking(None if version == 0 else before, appointment.document)
            try:
                recordings = self._save(appointment, bookings)
            except IntegrityError:
                if expected_version is not None:
                    current = self._load_for_change(appointment_id, changed_by)[1]
                    raise VersionMismatch(
                        appointment_id, expected_version, current
                    ) from None
                continue
            follow_up(self.video, before, appointment.document)
            return self._written(appointment, recordings)
        raise WriteContention(appointment_id, MAX_WRITE_ATTEMPTS)

    def _load_for_change(
        self, appointment_id: str, changed_by: str
    ) -> tuple[Appointment, int]:
        """The aggregate to change and its version; an occurrence that has no
        history yet is detached from its series first (version 0)."""
        try:
            appointment = self._load(appointment_id)
        except AppointmentNotFound:
            occurrence = self._virtual_occurrence(appointment_id)
            detached = Appointment.detach(
                occurrence=occurrence, changed_by=changed_by, at=self.clock.now_ms()
            )
            return detached, 0
        return appointment, appointment.version

    def _virtual_occurrence(self, appointment_id: str) -> Document:
        """The occurrence an id names, as its series shows it, or not found."""
        parsed = parse_occurrence_id(appointment_id)
        if parsed is None:
            raise AppointmentNotFound(appointment_id)
        series_id, start = parsed
        try:
            series = self._load(series_id)
        except AppointmentNotFound:
            raise AppointmentNotFound(appointment_id) from None
        if not series.is_series or not Series.of(series.document).has_start(start):
            raise AppointmentNotFound(appointment_id)
        return occurrence_document(series.document, start)

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
        self, appointments: list[Appointment], meeting: VideoMeeting | None
    ) -> Sequence[Recording[str]]:
        """Record a new appointment (first) and any others changed with it;
        never leave the new meeting orphaned on failure."""
        try:
            with database_errors():
                return self.save(
                    *appointments,
                    video_meeting=meeting,
                    bookings=[booking_of(a.document) for a in appointments],
                )
        except DuplicateVideoLink:
            raise  # the link is another appointment's: deleting it would break theirs
        except BaseException:
            if meeting is not None:
                delete_quietly(self.video, meeting.meeting_id)
            raise

    def _save(
        self, appointment: Appointment, bookings: list[Booking]
    ) -> Sequence[Recording[str]]:
        with database_errors():
            return self.save(appointment, bookings=bookings)

    def _load(self, appointment_id: str) -> Appointment:
        if not is_appointment_id(appointment_id):
            raise AppointmentNotFound(appointment_id)
        try:
            with database_errors():
                appointment: Appointment = self.repository.get(appointment_id)
        except AggregateNotFoundError:
            raise AppointmentNotFound(appointment_id) from None
        return appointment

    @staticmethod
    def _state_of(events: Sequence[Appointment.Event]) -> AppointmentState:
        return AppointmentState(fold(events) or {}, events[-1].originator_version)

    @staticmethod
    def _written(
        appointment: Appointment, recordings: Sequence[Recording[str]]
    ) -> Written:
        position = recordings[-1].notification.id if recordings else None
        return Written(dict(appointment.document), appointment.version, position)
