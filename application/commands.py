"""The commands on one appointment: load it, let it check and change itself,
save its new events, and keep its video meeting in step."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.acting import acting_key
from application.bookings import rebooking
from application.command_recording import CommandRecording, CommandResult
from application.errors import (
    AppointmentNotFound,
    DatabaseUnavailable,
    VersionMismatch,
    WriteContention,
)
from application.idempotency import Receipt
from application.ports import DuplicateVideoLink
from application.recurrence import check_series
from application.video_sync import MeetingBooking
from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.ids import new_appointment_id
from domain.values import Document

MAX_LINK_ATTEMPTS = 5


class AppointmentCommands(CommandRecording):
    def schedule(
        self,
        draft: AppointmentDraft,
        *,
        appointment_id: str | None = None,
        receipt: Receipt | None = None,
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
                    [appointment],
                    meeting,
                    allow_overlap=draft.allow_overlap,
                    receipt=receipt,
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
        receipt: Receipt | None = None,
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
                    receipt=receipt,
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
        receipt: Receipt | None = None,
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
            receipt=receipt,
        )

    def change_status(
        self,
        appointment_id: str,
        *,
        status: str,
        changed_by: str,
        reason: str | None = None,
        expected_version: int | None = None,
        receipt: Receipt | None = None,
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
            receipt=receipt,
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
        receipt: Receipt | None = None,
    ) -> CommandResult:
        """One writer of the appointment at a time in this process; another
        process's writers may still win a version, then this one tries again."""
        with self.writers.hold(appointment_id):
            for _ in self.write_retries.attempts():
                try:
                    before, result = self._change_once(
                        appointment_id,
                        changed_by,
                        command,
                        expected_version,
                        allow_overlap=allow_overlap,
                        booking=booking,
                        receipt=receipt,
                    )
                except IntegrityError:
                    if expected_version is None:
                        continue
                    current = self._load_for_change(appointment_id, changed_by)[1]
                    raise VersionMismatch(
                        appointment_id, expected_version, current
                    ) from None
                if result.position is not None:
                    self._follow_up(before, result.document)
                return result
        raise WriteContention(appointment_id, self.write_retries.seconds)

    def _change_once(
        self,
        appointment_id: str,
        changed_by: str,
        command: Callable[[Appointment], None],
        expected_version: int | None,
        *,
        allow_overlap: bool,
        booking: MeetingBooking | None,
        receipt: Receipt | None,
    ) -> tuple[Document, CommandResult]:
        """Load, change and save: the document before, and the result (with
        no position when the command changed nothing)."""
        appointment, version = self._load_for_change(appointment_id, changed_by)
        if expected_version is not None and version != expected_version:
            raise VersionMismatch(appointment_id, expected_version, version)
        before = appointment.document
        pending = len(appointment.pending_events)
        command(appointment)
        if len(appointment.pending_events) == pending:
            return before, CommandResult(dict(before), version, None)
        bookings = rebooking(
            None if version == 0 else before,
            appointment.document,
            allow_overlap=allow_overlap,
        )
        meeting = booking.meeting if booking else None
        recordings = self._save(appointment, bookings, meeting, receipt=receipt)
        return before, self._result(appointment, recordings)

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
