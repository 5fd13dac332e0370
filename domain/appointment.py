"""The Appointment aggregate.

Its state is the appointment document itself (CONTRACT section 4), evolved by
each event's pure ``evolve`` method (``domain/evolution.py``). The same function
serves the aggregate, the read model, time travel and the change log, so they
cannot disagree. Each command checks every rule first (``domain/change_rules.py``,
``domain/validation.py``) and only then triggers its events.

No ``from __future__ import annotations`` here: the event classes are built by
``eventsourcing``'s metaclass, which reads their annotations at class creation.
"""

import copy
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, ClassVar

from domain import evolution
from domain.attendee_commands import AttendeeCommands
from domain.base import StrAggregate
from domain.change_rules import check_status_change
from domain.draft import AppointmentDraft
from domain.errors import AppointmentCancelled, InvalidAppointment
from domain.metadata import merged_metadata
from domain.occurrences import is_series
from domain.stamping import instant, stamp, without_api_key
from domain.update_plan import plan_update
from domain.validation import check_caller_id, check_planned_times
from domain.values import Document, Status

SeriesCheck = Callable[[Document], None]
"""Raises when a series' document breaks its own rule. Expanding a rule needs
more than the standard library, so the caller brings the check."""

MeetingBooker = Callable[[Document], Document]
"""Books a video meeting for the appointment as a change will make it and
returns its ``video_call``; called only once every rule has passed."""


class Appointment(AttendeeCommands, StrAggregate):
    class Event(StrAggregate.Event):
        changed_by: str
        changed_at: int
        api_key: str | None
        """The name of the API key the change was made with (CONTRACT section
        8); ``None`` for changes made without one and for older events."""
        kind: ClassVar[str] = ""

        def evolve(self, document: Document) -> Document:
            raise NotImplementedError

        def apply(self, aggregate: "Appointment") -> None:
            aggregate.document = self.evolve(aggregate.document)

    class Created(Event, StrAggregate.Created):
        kind: ClassVar[str] = "created"
        class_version: ClassVar[int] = 5
        # The fields of AppointmentDraft but created_by (which is changed_by),
        # written out because the metaclass reads them; then the video link.
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
        metadata: dict[str, str]
        allow_overlap: bool
        detached_from: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 predates occurrences detached from a series."""
            state["detached_from"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Version 2 predates schedule conflicts: no booking opted out."""
            state["allow_overlap"] = False

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            """Version 3 predates metadata and reasons in the status history."""
            state["metadata"] = {}
            if state["detached_from"] is not None:
                state["detached_from"] = evolution.upgraded(state["detached_from"])

        upcast_v4_v5 = staticmethod(without_api_key)

        def evolve(self, document: Document) -> Document:
            return evolution.created(self)

        def apply(self, aggregate: "Appointment") -> None:
            aggregate.document = self.evolve({})

    class Updated(Event):
        kind: ClassVar[str] = "updated"
        class_version: ClassVar[int] = 3
        fields: dict[str, Any]
        allow_overlap: bool
        """Whether the time this change books may overlap others' (section 9)."""

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 predates schedule conflicts: no change opted out."""
            state["allow_overlap"] = False

        upcast_v2_v3 = staticmethod(without_api_key)

        def evolve(self, document: Document) -> Document:
            return evolution.updated(self, document)

    class StatusChanged(Event):
        kind: ClassVar[str] = "status_changed"
        class_version: ClassVar[int] = 3
        status: str
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 had no reason; such changes were made without one."""
            state["reason"] = None

        upcast_v2_v3 = staticmethod(without_api_key)

        def evolve(self, document: Document) -> Document:
            return evolution.status_changed(self, document)

    class AttendeeChanged(Event):
        kind: ClassVar[str] = "attendee_changed"
        class_version: ClassVar[int] = 3
        attendee_id: str
        change: str  # "added", "removed" or "updated"
        fields: dict[str, Any]
        allow_overlap: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 predates schedule conflicts: no addition opted out."""
            state["allow_overlap"] = False

        upcast_v2_v3 = staticmethod(without_api_key)

        def evolve(self, document: Document) -> Document:
            return evolution.attendee_changed(self, document)

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
        api_key: str | None = None,
    ) -> "Appointment":
        draft.validate()
        return cls._create_from(
            draft,
            appointment_id=appointment_id,
            video_call=video_call if draft.is_video_call else None,
            detached_from=None,
            at=at,
            api_key=api_key,
        )

    @classmethod
    def detach(
        cls,
        *,
        occurrence: Document,
        changed_by: str,
        at: int,
        api_key: str | None = None,
    ) -> "Appointment":
        """Give one occurrence of a series a history of its own, starting as it
        is now, so that it can change without changing the series."""
        check_caller_id("changed_by", changed_by)
        return cls._create_from(
            AppointmentDraft.of(occurrence, created_by=changed_by),
            appointment_id=occurrence["id"],
            video_call=occurrence["video_call"],
            detached_from=copy.deepcopy(occurrence),
            at=at,
            api_key=api_key,
        )

    @classmethod
    def _create_from(
        cls,
        draft: AppointmentDraft,
        *,
        appointment_id: str,
        video_call: Document | None,
        detached_from: Document | None,
        at: int,
        api_key: str | None,
    ) -> "Appointment":
        """The ``Created`` event carries every field of the draft."""
        fields = asdict(draft)
        fields["metadata"] = merged_metadata({}, fields["metadata"])
        appointment = cls._create(
            cls.Created,
            id=appointment_id,
            timestamp=instant(at),
            changed_by=fields.pop("created_by"),
            changed_at=at,
            api_key=api_key,
            **fields,
            video_call=video_call,
            detached_from=detached_from,
        )
        appointment.act_as(api_key)
        return appointment

    def act_as(self, api_key: str | None) -> None:
        """Record the next changes as made with this API key."""
        self._acting_key = api_key

    @property
    def status(self) -> Status:
        return Status(self.document["status"])

    @property
    def is_cancelled(self) -> bool:
        return self.status is Status.CANCELLED

    # --- commands: each checks every rule first, then triggers its events ----

    def update(
        self,
        *,
        changed_by: str,
        at: int,
        changes: dict[str, Any],
        allow_overlap: bool = False,
        book_meeting: MeetingBooker | None = None,
    ) -> None:
        """Apply a partial update; record nothing when nothing changes. A change
        to ``video_call`` asks ``book_meeting`` for the new link, last."""
        check_caller_id("updated_by", changed_by)
        self._refuse_if_cancelled()
        plan = plan_update(self.document, changes)
        fields = self._differences(plan.fields)
        if plan.needs_meeting:
            if book_meeting is None:
                raise InvalidAppointment(
                    "A change to a video call needs a meeting.", "interaction_type"
                )
            fields["video_call"] = book_meeting({**self.document, **fields})
        if fields:
            self.trigger_event(
                self.Updated,
                **self._stamp(changed_by, at),
                fields=fields,
                allow_overlap=allow_overlap,
            )
        if plan.attendees is not None:
            self._replace_attendees(
                plan.attendees,
                changed_by=changed_by,
                at=at,
                allow_overlap=allow_overlap,
            )

    def reschedule(
        self,
        *,
        start_time: int,
        end_time: int,
        changed_by: str,
        at: int,
        check_series: SeriesCheck | None = None,
        allow_overlap: bool = False,
    ) -> None:
        """Move the appointment; a series only to a start its rule allows, as
        ``check_series`` says."""
        check_caller_id("changed_by", changed_by)
        self._refuse_if_cancelled()
        check_planned_times(start_time, end_time)
        moved = {"start_time": start_time, "end_time": end_time}
        if check_series is not None and is_series(self.document):
            check_series({**self.document, **moved})
        fields = self._differences(moved)
        if fields:
            self.trigger_event(
                self.Updated,
                **self._stamp(changed_by, at),
                fields=fields,
                allow_overlap=allow_overlap,
            )

    def end_series(
        self, *, rule: str, continued_by: str, changed_by: str, at: int
    ) -> None:
        """End this series where another, ``continued_by``, takes over."""
        check_caller_id("changed_by", changed_by)
        self._refuse_if_cancelled()
        if not is_series(self.document):
            raise InvalidAppointment(
                "Only a recurring series can be split.", "recurring.is_recurring"
            )
        recurring = {**self.document["recurring"], "rule": rule}
        recurring["continued_by"] = continued_by
        self.trigger_event(
            self.Updated,
            **self._stamp(changed_by, at),
            fields={"recurring": recurring},
            allow_overlap=False,
        )

    def change_status(
        self, *, status: str, changed_by: str, at: int, reason: str | None = None
    ) -> None:
        check_caller_id("changed_by", changed_by)
        requested = check_status_change(self.status, status, reason)
        self.trigger_event(
            self.StatusChanged,
            **self._stamp(changed_by, at),
            status=requested.value,
            reason=reason,
        )

    # --- helpers ----------------------------------------------------------

    def _refuse_if_cancelled(self) -> None:
        if self.is_cancelled:
            raise AppointmentCancelled(self.id)

    def _stamp(self, changed_by: str, at: int) -> dict[str, Any]:
        return stamp(changed_by, at, getattr(self, "_acting_key", None))

    def _differences(self, proposed: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in proposed.items() if self.document[k] != v}
