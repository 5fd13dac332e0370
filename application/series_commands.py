"""Commands that record a series and the parts it is split into at once
(docs/recurring.md): moving an occurrence and all that follow, and giving an
occurrence and all that follow a final status (cancelled or a no-show).

Both split the series with one construction, ``_take_over``: the series ends
before the occurrence, and a new series, linked both ways, takes over the rest.
Each part then holds its own status, so ending the later part never rewrites
the occurrences of the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from eventsourcing.persistence import IntegrityError

from application.acting import acting_key
from application.bookings import booking_of
from application.command_recording import CommandResult
from application.commands import AppointmentCommands
from application.errors import VersionMismatch, WriteContention, database_errors
from application.idempotency import Receipt
from application.ports import DuplicateVideoLink, Histories, VideoMeeting
from application.recurrence import Series, check_series, continuation, rule_until
from domain.appointment import Appointment
from domain.change_rules import check_status_change
from domain.draft import AppointmentDraft
from domain.errors import InvalidAppointment, SeriesAlreadyOver
from domain.ids import new_appointment_id
from domain.occurrences import occurrence_id_in
from domain.status import can_move
from domain.validation import check_caller_id
from domain.values import Document, Status


class SeriesCommands(AppointmentCommands):
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
                series = self._load_series(series_id, expected_version)
                draft = continuation(
                    series.document, original, start_time, end_time, changed_by
                )
                draft = replace(draft, allow_overlap=allow_overlap)
                try:
                    return self._split(series, original, draft, receipt)
                except (DuplicateVideoLink, IntegrityError):
                    continue
        raise WriteContention(series_id, self.write_retries.seconds)

    def end_series_from(
        self,
        series_id: str,
        *,
        original: int | None,
        status: str,
        changed_by: str,
        reason: str | None = None,
        expected_version: int | None = None,
        receipt: Receipt | None = None,
    ) -> CommandResult:
        """Give ``status`` (cancelled or no-show) to the series' occurrence at
        ``original`` and every later one; ``None``: to every occurrence that
        has not started yet, leaving those that have as they were. Answers
        with the part of the series that took the status."""
        ending = partial(
            self._end_from,
            original=original,
            status=status,
            changed_by=changed_by,
            reason=reason,
            receipt=receipt,
        )
        with self.writers.hold(series_id):
            for _ in self.write_retries.attempts():
                series = self._load_series(series_id, expected_version)
                try:
                    return ending(series)
                except (DuplicateVideoLink, IntegrityError):
                    continue
        raise WriteContention(series_id, self.write_retries.seconds)

    # --- internals ---------------------------------------------------------------

    def _load_series(self, series_id: str, expected_version: int | None) -> Appointment:
        series = self._load(series_id)
        if expected_version is not None and series.version != expected_version:
            raise VersionMismatch(series_id, expected_version, series.version)
        return series

    def _split(
        self,
        series: Appointment,
        original: int,
        draft: AppointmentDraft,
        receipt: Receipt | None,
    ) -> CommandResult:
        remainder, meeting = self._take_over(
            series, original, draft, at=self.clock.now_ms()
        )
        # The new series first: the recorder claims the link for the first stream.
        recordings = self._save_new_all(
            [remainder, series],
            meeting,
            allow_overlap=draft.allow_overlap,
            receipt=receipt,
        )
        return self._result(remainder, recordings)

    def _take_over(
        self, series: Appointment, original: int, draft: AppointmentDraft, *, at: int
    ) -> tuple[Appointment, VideoMeeting | None]:
        """End ``series`` before its occurrence at ``original``; the new series
        ``draft`` describes takes over from there, with a meeting of its own."""
        draft.validate()
        check_series(draft.series_times())
        new_id = new_appointment_id()
        series.end_series(  # checked before a meeting is booked for the remainder
            rule=rule_until(series.document["recurring"]["rule"], original),
            continued_by=new_id,
            changed_by=draft.created_by,
            at=at,
        )
        meeting = self._book_meeting(new_id, draft)
        video_call = meeting.as_document() if meeting else None
        remainder = Appointment.schedule(
            appointment_id=new_id,
            draft=draft,
            video_call=video_call,
            at=at,
            api_key=acting_key(),
        )
        return remainder, meeting

    def _end_from(
        self,
        series: Appointment,
        *,
        original: int | None,
        status: str,
        changed_by: str,
        reason: str | None,
        receipt: Receipt | None,
    ) -> CommandResult:
        check_caller_id("changed_by", changed_by)
        ending = Ending(
            check_status_change(series.status, status, reason),
            changed_by,
            reason,
            self.clock.now_ms(),
        )
        start = self._first_to_end(series, original, ending)
        occurrences = self._occurrences_to_end(series.document, original, ending)
        befores = {a.id: a.document for a in occurrences}
        for occurrence in occurrences:  # first: the one asked for may refuse
            ending.apply(occurrence)
        holder, meeting = series, None
        if start != series.document["start_time"]:
            draft = continuation(
                series.document,
                start,
                start,
                start + duration(series.document),
                changed_by,
                keep_ids=True,
            )
            holder, meeting = self._take_over(series, start, draft, at=ending.at)
        befores[holder.id] = holder.document
        ending.apply(holder)
        changed = list({a.id: a for a in [holder, series, *occurrences]}.values())
        recordings = self._save_all(
            changed,
            meeting,
            [booking_of(a.document) for a in changed],
            receipt=receipt,
        )
        for appointment in [holder, *occurrences]:
            self._follow_up(befores[appointment.id], appointment.document)
        return self._result(holder, recordings)

    def _first_to_end(
        self, series: Appointment, original: int | None, ending: Ending
    ) -> int:
        """The first occurrence that takes the status: the one asked for, or
        the first that has not started."""
        rule = Series.of(series.document)
        if original is None:
            start = rule.first_start_after(ending.at)
            if start is None:
                raise SeriesAlreadyOver(series.id, ending.status.value)
            return start
        if not rule.has_start(original):
            raise InvalidAppointment(
                "This occurrence is no longer one of its series' rule.", "scope"
            )
        return original

    def _occurrences_to_end(
        self, series: Document, original: int | None, ending: Ending
    ) -> list[Appointment]:
        """The series' occurrences with a history of their own that take the
        status: from ``original`` on (the one asked for whatever its status,
        the others if they may); or, for the whole series, those that may and
        have not started."""
        starts = Series.of(series).starts()
        ids = [occurrence_id_in(series, s) for s in starts if s >= (original or 0)]
        asked = None if original is None else occurrence_id_in(series, original)
        with database_errors():
            having = self._histories().with_history(ids)
        found = [self._load(i) for i in sorted(having)]
        return [
            a
            for a in found
            if a.id == asked
            or (
                can_move(a.status, ending.status)
                and (original is not None or a.document["start_time"] > ending.at)
            )
        ]

    def _histories(self) -> Histories:
        if not isinstance(self.recorder, Histories):
            raise TypeError("The event store's recorder must implement Histories.")
        return self.recorder

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


@dataclass(frozen=True)
class Ending:
    """The final status given to part of a series, by whom, why and when."""

    status: Status
    changed_by: str
    reason: str | None
    at: int

    def apply(self, appointment: Appointment) -> None:
        appointment.change_status(
            status=self.status.value,
            changed_by=self.changed_by,
            at=self.at,
            reason=self.reason,
        )


def duration(series: Document) -> int:
    length: int = series["end_time"] - series["start_time"]
    return length
