"""The appointments application: one verb per command, and event-store queries.

``AppointmentsApplication`` is the one ``Application`` of the service. Its
queries over the event store are in ``event_store_queries.py``, its commands
on one appointment in ``commands.py``, and those that split a series (moving
or ending an occurrence and all that follow) in ``series_commands.py``.
"""

from __future__ import annotations

from application.command_recording import CommandResult
from application.errors import AppointmentNotFound
from application.idempotency import Receipt
from application.series_commands import SeriesCommands
from domain.change_rules import (
    ENDING_STATUSES,
    THIS,
    THIS_AND_FOLLOWING,
    check_scope,
    parse_status,
)
from domain.occurrences import is_series
from domain.values import Document


class AppointmentsApplication(SeriesCommands):
    name = "Appointments"

    def change_status(
        self,
        appointment_id: str,
        *,
        status: str,
        changed_by: str,
        reason: str | None = None,
        expected_version: int | None = None,
        scope: str = THIS,
        receipt: Receipt | None = None,
    ) -> CommandResult:
        """Change one appointment's status; ``this_and_following`` on an
        occurrence, or cancelling (or marking a no-show) a series itself, ends
        part of the series (``end_series_from``; ``expected_version`` is then
        the series')."""
        if scope == THIS and status not in ENDING_STATUSES:
            return self._change_one_status(
                appointment_id, status, changed_by, reason, expected_version, receipt
            )
        document = self._document(appointment_id)
        check_scope(document, parse_status(status), scope)
        if scope == THIS_AND_FOLLOWING:
            recurring = document["recurring"]
            series_id, original = recurring["series"], recurring["original_start_time"]
        elif is_series(document):
            series_id, original = appointment_id, None
        else:
            return self._change_one_status(
                appointment_id, status, changed_by, reason, expected_version, receipt
            )
        return self.end_series_from(
            series_id,
            original=original,
            status=status,
            changed_by=changed_by,
            reason=reason,
            expected_version=expected_version,
            receipt=receipt,
        )

    def _change_one_status(
        self,
        appointment_id: str,
        status: str,
        changed_by: str,
        reason: str | None,
        expected_version: int | None,
        receipt: Receipt | None,
    ) -> CommandResult:
        return super().change_status(
            appointment_id,
            status=status,
            changed_by=changed_by,
            reason=reason,
            expected_version=expected_version,
            receipt=receipt,
        )

    def _document(self, appointment_id: str) -> Document:
        """A stored appointment's document, or an occurrence's as its series
        shows it."""
        try:
            return self._load(appointment_id).document
        except AppointmentNotFound:
            return self._occurrence(appointment_id)
