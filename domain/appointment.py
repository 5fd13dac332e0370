"""The Appointment aggregate.

Its state is the appointment document itself (CONTRACT section 4), evolved by
each event's pure ``evolve`` method. The same function serves the aggregate,
the read model, time travel and the change log, so they cannot disagree.

No ``from __future__ import annotations`` here: the event classes are built by
``eventsourcing``'s metaclass, which reads their annotations at class creation.
"""

import copy
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from domain.base import StrAggregate
from domain.draft import AppointmentDraft
from domain.errors import AppointmentCancelled, AttendeeNotFound, InvalidAppointment
from domain.ids import change_log_id
from domain.status import check_transition
from domain.validation import (
    check_actual_times,
    check_attendees,
    check_caller_id,
    check_planned_times,
    check_reference_patients,
    check_text,
)
from domain.values import (
    DESCRIPTION_MAX,
    NAME_MAX,
    VISIT_NOTE_MAX,
    AttendanceStatus,
    Document,
    PaymentStatus,
    Status,
    new_attendee,
)

UPDATABLE_FIELDS = (
    "name",
    "description",
    "actual_start_time",
    "actual_end_time",
    "reference_patients",
    "visit_note",
)
"""Plain fields an update may set; attendees are handled per attendee."""

ATTENDEE_FIELDS = ("attendance_status", "no_show", "payment_status")

CREATED_FIELDS = (
    "name",
    "description",
    "group",
    "internal",
    "start_time",
    "end_time",
    "host",
    "generated_from_type",
    "generated_from",
    "appointment_type",
    "reference_patients",
    "interaction_type",
    "video_call",
    "location",
    "recurring",
)
"""Fields a Created event copies from the document (attendees go by id)."""


def instant(at: int) -> datetime:
    return datetime.fromtimestamp(at / 1000, tz=UTC)


class Appointment(StrAggregate):
    class Event(StrAggregate.Event):
        changed_by: str
        changed_at: int
        kind: ClassVar[str] = ""

        def evolve(self, document: Document) -> Document:
            raise NotImplementedError

        def apply(self, aggregate: "Appointment") -> None:
            aggregate.document = self.evolve(aggregate.document)

    class Created(Event, StrAggregate.Created):
        kind: ClassVar[str] = "created"
        class_version: ClassVar[int] = 2
        name: str
        description: str
        group: bool
        internal: bool
        start_time: int
        end_time: int
        host: str
        attendees: list[str]
        generated_from_type: str | None
        generated_from: str | None
        appointment_type: str | None
        reference_patients: list[str] | None
        interaction_type: str
        video_call: dict[str, Any] | None
        location: dict[str, Any] | None
        recurring: dict[str, Any]
        detached_from: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 predates occurrences detached from a series."""
            state["detached_from"] = None

        def evolve(self, document: Document) -> Document:
            if self.detached_from is not None:
                return copy.deepcopy(self.detached_from)
            return {
                "id": self.originator_id,
                "object": "appointment",
                "generated_from_type": self.generated_from_type,
                "generated_from": self.generated_from,
                "appointment_type": self.appointment_type,
                "name": self.name,
                "description": self.description,
                "group": self.group,
                "internal": self.internal,
                "recurring": dict(self.recurring),
                "start_time": self.start_time,
                "end_time": self.end_time,
                "actual_start_time": None,
                "actual_end_time": None,
                "host": self.host,
                "attendees": [new_attendee(a, self.changed_at) for a in self.attendees],
                "reference_patients": (
                    list(self.reference_patients or []) if self.internal else None
                ),
                "interaction_type": self.interaction_type,
                "video_call": dict(self.video_call) if self.video_call else None,
                "location": dict(self.location) if self.location else None,
                "status": Status.SCHEDULED.value,
                "status_history": [self._history_entry()],
                "visit_note": None,
                "change_log": change_log_id(self.originator_id),
                "created_by": self.changed_by,
                "created_at": self.changed_at,
                "last_updated_at": self.changed_at,
            }

        def _history_entry(self) -> Document:
            return {
                "status": Status.SCHEDULED.value,
                "changed_by": self.changed_by,
                "changed_at": self.changed_at,
            }

        def apply(self, aggregate: "Appointment") -> None:
            aggregate.document = self.evolve({})

    class Updated(Event):
        kind: ClassVar[str] = "updated"
        fields: dict[str, Any]

        def evolve(self, document: Document) -> Document:
            return {**document, **self.fields, "last_updated_at": self.changed_at}

    class StatusChanged(Event):
        kind: ClassVar[str] = "status_changed"
        class_version: ClassVar[int] = 2
        status: str
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no reason; such changes were made without one."""
            state["reason"] = None

        def evolve(self, document: Document) -> Document:
            entry = {
                "status": self.status,
                "changed_by": self.changed_by,
                "changed_at": self.changed_at,
            }
            return {
                **document,
                "status": self.status,
                "status_history": [*document["status_history"], entry],
                "last_updated_at": self.changed_at,
            }

    class AttendeeChanged(Event):
        kind: ClassVar[str] = "attendee_changed"
        attendee_id: str
        change: str  # "added", "removed" or "updated"
        fields: dict[str, Any]

        def evolve(self, document: Document) -> Document:
            attendees = [
                a for a in document["attendees"] if a["id"] != self.attendee_id
            ]
            if self.change == "added":
                attendees.append(new_attendee(self.attendee_id, self.changed_at))
            elif self.change == "updated":
                current = _find_attendee(document, self.attendee_id)
                index = document["attendees"].index(current)
                updated = {**current, **self.fields, "last_updated_at": self.changed_at}
                attendees.insert(index, updated)
            return {
                **document,
                "attendees": attendees,
                "last_updated_at": self.changed_at,
            }

    if TYPE_CHECKING:  # set by Created.apply; hidden from the generated __init__
        document: Document

    # --- creation -------------------------------------------------------

    @classmethod
    def schedule(
        cls,
        *,
        appointment_id: str,
        draft: AppointmentDraft,
        video_call: Document | None,
        at: int,
    ) -> "Appointment":
        draft.validate()
        return cls._create(
            cls.Created,
            id=appointment_id,
            timestamp=instant(at),
            changed_by=draft.created_by,
            changed_at=at,
            name=draft.name,
            description=draft.description,
            group=draft.group,
            internal=draft.internal,
            start_time=draft.start_time,
            end_time=draft.end_time,
            host=draft.host,
            attendees=list(draft.attendees),
            generated_from_type=draft.generated_from_type,
            generated_from=draft.generated_from,
            appointment_type=draft.appointment_type,
            reference_patients=(
                list(draft.reference_patients)
                if draft.reference_patients is not None
                else None
            ),
            interaction_type=draft.interaction_type,
            video_call=video_call if draft.is_video_call else None,
            location=draft.location,
            recurring=dict(draft.recurring),
            detached_from=None,
        )

    @classmethod
    def detach(cls, *, occurrence: Document, changed_by: str, at: int) -> "Appointment":
        """Give one occurrence of a series a history of its own, starting as it
        is now, so that it can change without changing the series."""
        check_caller_id("changed_by", changed_by)
        return cls._create(
            cls.Created,
            id=occurrence["id"],
            timestamp=instant(at),
            changed_by=changed_by,
            changed_at=at,
            detached_from=copy.deepcopy(occurrence),
            **{field: occurrence[field] for field in CREATED_FIELDS},
            attendees=[a["id"] for a in occurrence["attendees"]],
        )

    # --- state ------------------------------------------------------------

    @property
    def status(self) -> Status:
        return Status(self.document["status"])

    @property
    def is_cancelled(self) -> bool:
        return self.status is Status.CANCELLED

    @property
    def is_recurring(self) -> bool:
        """A series, or one occurrence of a series."""
        return bool(self.document["recurring"].get("is_recurring"))

    @property
    def is_series(self) -> bool:
        return self.is_recurring and "series" not in self.document["recurring"]

    def attendee_ids(self) -> list[str]:
        return [a["id"] for a in self.document["attendees"]]

    # --- commands ---------------------------------------------------------

    def update(self, *, changed_by: str, at: int, changes: dict[str, Any]) -> None:
        """Apply a partial update; record nothing when nothing changes."""
        check_caller_id("updated_by", changed_by)
        self._refuse_if_cancelled()
        changes = dict(changes)  # the caller's dict is theirs: do not pop from it
        attendees = changes.pop("attendees", None)
        fields = self._validated_field_changes(changes)
        if attendees is not None:
            check_attendees(
                attendees, host=self.document["host"], group=self.document["group"]
            )
        if fields:
            self.trigger_event(
                self.Updated, **self._stamp(changed_by, at), fields=fields
            )
        if attendees is not None:
            self._replace_attendees(attendees, changed_by=changed_by, at=at)

    def reschedule(
        self, *, start_time: int, end_time: int, changed_by: str, at: int
    ) -> None:
        check_caller_id("changed_by", changed_by)
        self._refuse_if_cancelled()
        check_planned_times(start_time, end_time)
        fields = self._differences({"start_time": start_time, "end_time": end_time})
        if fields:
            self.trigger_event(
                self.Updated, **self._stamp(changed_by, at), fields=fields
            )

    def end_series(
        self, *, rule: str, continued_by: str, changed_by: str, at: int
    ) -> None:
        """End this series where another, ``continued_by``, takes over."""
        check_caller_id("changed_by", changed_by)
        self._refuse_if_cancelled()
        if not self.is_series:
            raise InvalidAppointment(
                "Only a recurring series can be split.", "recurring.is_recurring"
            )
        recurring = {**self.document["recurring"], "rule": rule}
        recurring["continued_by"] = continued_by
        self.trigger_event(
            self.Updated, **self._stamp(changed_by, at), fields={"recurring": recurring}
        )

    def change_status(
        self, *, status: str, changed_by: str, at: int, reason: str | None = None
    ) -> None:
        check_caller_id("changed_by", changed_by)
        requested = _parse_status(status)
        if reason is not None:
            check_text("reason", reason, min_length=0, max_length=DESCRIPTION_MAX)
        check_transition(self.status, requested)
        self.trigger_event(
            self.StatusChanged,
            **self._stamp(changed_by, at),
            status=requested.value,
            reason=reason,
        )

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
        current = _find_attendee(self.document, attendee_id)
        _check_attendee_changes(changes)
        fields = {k: v for k, v in changes.items() if current[k] != v}
        if fields:
            self.trigger_event(
                self.AttendeeChanged,
                **self._stamp(changed_by, at),
                attendee_id=attendee_id,
                change="updated",
                fields=fields,
            )

    # --- helpers ----------------------------------------------------------

    def _refuse_if_cancelled(self) -> None:
        if self.is_cancelled:
            raise AppointmentCancelled(self.id)

    def _stamp(self, changed_by: str, at: int) -> dict[str, Any]:
        return {"changed_by": changed_by, "changed_at": at, "timestamp": instant(at)}

    def _differences(self, proposed: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in proposed.items() if self.document[k] != v}

    def _validated_field_changes(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = set(changes) - set(UPDATABLE_FIELDS)
        if unknown:
            param = sorted(unknown)[0]
            raise InvalidAppointment(f"'{param}' cannot be updated.", param)
        if "name" in changes:
            check_text("name", changes["name"], min_length=1, max_length=NAME_MAX)
        if "description" in changes:
            check_text(
                "description",
                changes["description"],
                min_length=0,
                max_length=DESCRIPTION_MAX,
            )
        if changes.get("visit_note") is not None:
            check_text(
                "visit_note",
                changes["visit_note"],
                min_length=1,
                max_length=VISIT_NOTE_MAX,
            )
        self._check_actual_time_changes(changes)
        if "reference_patients" in changes:
            patients = changes["reference_patients"]
            if patients is None:
                raise InvalidAppointment(
                    "'reference_patients' must be a list.", "reference_patients"
                )
            check_reference_patients(patients, internal=self.document["internal"])
        return self._differences(changes)

    def _check_actual_time_changes(self, changes: dict[str, Any]) -> None:
        touched = {"actual_start_time", "actual_end_time"} & set(changes)
        if not touched:
            return
        if self.is_recurring:
            param = sorted(touched)[0]
            raise InvalidAppointment(
                f"'{param}' only applies to non-recurring appointments.", param
            )
        check_actual_times(
            changes.get("actual_start_time", self.document["actual_start_time"]),
            changes.get("actual_end_time", self.document["actual_end_time"]),
        )

    def _replace_attendees(
        self, wanted: list[str], *, changed_by: str, at: int
    ) -> None:
        current = self.attendee_ids()
        for attendee_id in current:
            if attendee_id not in wanted:
                self._trigger_attendee(attendee_id, "removed", changed_by, at)
        for attendee_id in wanted:
            if attendee_id not in current:
                self._trigger_attendee(attendee_id, "added", changed_by, at)

    def _trigger_attendee(
        self, attendee_id: str, change: str, changed_by: str, at: int
    ) -> None:
        self.trigger_event(
            self.AttendeeChanged,
            **self._stamp(changed_by, at),
            attendee_id=attendee_id,
            change=change,
            fields={},
        )


def _find_attendee(document: Document, attendee_id: str) -> Document:
    for attendee in document["attendees"]:
        if attendee["id"] == attendee_id:
            return dict(attendee)
    raise AttendeeNotFound(document["id"], attendee_id)


def _parse_status(status: str) -> Status:
    try:
        return Status(status)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidAppointment(
            f"'status' must be one of: {allowed}.", "status"
        ) from None


def _check_attendee_changes(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(ATTENDEE_FIELDS)
    if unknown:
        param = sorted(unknown)[0]
        raise InvalidAppointment(f"'{param}' is not an attendee field.", param)
    enums: dict[str, type[AttendanceStatus] | type[PaymentStatus]] = {
        "attendance_status": AttendanceStatus,
        "payment_status": PaymentStatus,
    }
    for field, enum in enums.items():
        if field in changes and changes[field] not in {e.value for e in enum}:
            allowed = ", ".join(e.value for e in enum)
            raise InvalidAppointment(f"'{field}' must be one of: {allowed}.", field)
    if "no_show" in changes and not isinstance(changes["no_show"], bool):
        raise InvalidAppointment("'no_show' must be a boolean.", "no_show")
