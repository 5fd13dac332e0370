"""The appointments application: one verb per command, and event-store queries.

``AppointmentsApplication`` is the one ``Application`` of the service. Its
queries over the event store are in ``event_store_queries.py``, its commands
on one appointment in ``commands.py``; splitting a series, the one command
that records two appointments at once, is here.
"""

from __future__ import annotations

from dataclasses import replace

from eventsourcing.persistence import IntegrityError

from application.commands import AppointmentCommands, CommandResult
from application.errors import VersionMismatch, WriteContention
from application.idempotency import Receipt
from application.ports import DuplicateVideoLink
from application.recurrence import check_series, continuation, rule_until
from domain.appointment import Appointment
from domain.draft import AppointmentDraft
from domain.errors import InvalidAppointment
from domain.ids import new_appointment_id


class AppointmentsApplication(AppointmentCommands):
    name = "Appointments"

    def split_series(
        self,
        occurrence_id: str,
        *,
        start_time: int,
        end_time: int,
        changed_by: str,
        expected_version: int | None = None,
        allow_overlap: bool = False,
        receipt: Receipt | None = None,
    ) -> CommandResult:
        """Move this occurrence and all that follow: the series ends before it
        and a new series, linked both ways, continues from its new time.
        ``expected_version`` is the series' version."""
        series_id, original = self._occurrence_of_series(occurrence_id)
        with self.writers.hold(series_id):
            for _ in self.write_retries.attempts():
                series = self._load(series_id)
                version = series.version
                if expected_version is not None and version != expected_version:
                    raise VersionMismatch(series_id, expected_version, version)
                draft = continuation(
                    series.document, original, start_time, end_time, changed_by
                )
                draft = replace(draft, allow_overlap=allow_overlap)
                try:
                    return self._split(series, original, draft, receipt)
                except (DuplicateVideoLink, IntegrityError):
                    continue
        raise WriteContention(series_id, self.write_retries.seconds)

    def _split(
        self,
        series: Appointment,
        original: int,
        draft: AppointmentDraft,
        receipt: Receipt | None,
    ) -> CommandResult:
        draft.validate()
        check_series(draft.series_times())
        new_id = new_appointment_id()
        at = self.clock.now_ms()
        series.end_series(  # checked before a meeting is booked for the remainder
            rule=rule_until(series.document["recurring"]["rule"], original),
            continued_by=new_id,
            changed_by=draft.created_by,
            at=at,
        )
        meeting = self._book_meeting(new_id, draft)
        video_call = meeting.as_document() if meeting else None
        remainder = Appointment.schedule(
            appointment_id=new_id, draft=draft, video_call=video_call, at=at
        )
        # The new series first: the recorder claims the link for the first stream.
        recordings = self._save_new_all(
            [remainder, series],
            meeting,
            allow_overlap=draft.allow_overlap,
            receipt=receipt,
        )
        return self._result(remainder, recordings)

    def _occurrence_of_series(self, occurrence_id: str) -> tuple[str, int]:
        """The series id and original start of an occurrence after the first."""
        occurrence = self._occurrence(occurrence_id)
        series_id = occurrence["recurring"]["series"]
        original = occurrence["recurring"]["original_start_time"]
        if original == self._load(series_id).document["start_time"]:
            raise InvalidAppointment(
                "The first occurrence starts the series: reschedule the series "
                "itself to move them all.",
                "scope",
            )
        return series_id, original
