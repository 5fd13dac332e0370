"""The attendee commands of the ``Appointment`` aggregate, a mixin of it.

Kept apart from ``domain/appointment.py`` (which holds the events, creation
and the other commands) because they form one concern: each attendee's own
state, and an update's new attendee list, recorded as one ``AttendeeChanged``
per attendee added, removed or changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.change_rules import check_attendee_changes, find_attendee
from domain.validation import check_caller_id
from domain.values import Document


class AttendeeCommands:
    if TYPE_CHECKING:  # provided by Appointment
        document: Document
        AttendeeChanged: type[Any]

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...

        def _refuse_if_cancelled(self) -> None: ...

        def _stamp(self, changed_by: str, at: int) -> dict[str, Any]: ...

    def attendee_ids(self) -> list[str]:
        return [a["id"] for a in self.document["attendees"]]

    def change_attendee(
        self,
        *,
        attendee_id: str,
        changed_by: str,
        at: int,
        changes: dict[str, Any],
    ) -> None:
        check_caller_id("changed_by", changed_by)
        self._refuse_if_cancelled()
        current = find_attendee(self.document, attendee_id)
        check_attendee_changes(changes)
        fields = {k: v for k, v in changes.items() if current[k] != v}
        if fields:
            self._trigger_attendee(attendee_id, "updated", changed_by, at, fields)

    def _replace_attendees(
        self, wanted: list[str], *, changed_by: str, at: int, allow_overlap: bool
    ) -> None:
        current = self.attendee_ids()
        for attendee_id in current:
            if attendee_id not in wanted:
                self._trigger_attendee(attendee_id, "removed", changed_by, at)
        for attendee_id in wanted:
            if attendee_id not in current:
                self._trigger_attendee(
                    attendee_id, "added", changed_by, at, allow_overlap=allow_overlap
                )

    def _trigger_attendee(
        self,
        attendee_id: str,
        change: str,
        changed_by: str,
        at: int,
        fields: dict[str, Any] | None = None,
        *,
        allow_overlap: bool = False,
    ) -> None:
        self.trigger_event(
            self.AttendeeChanged,
            **self._stamp(changed_by, at),
            attendee_id=attendee_id,
            change=change,
            fields=fields or {},
            allow_overlap=allow_overlap,
        )
