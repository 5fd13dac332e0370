"""Request and response bodies: strict pydantic models, separate from the domain.

Constraints here are the domain's own (its enums, id pattern, time bounds and
lengths), so the OpenAPI document tells the truth; the domain still checks
every rule itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.change_rules import ENDING_STATUSES, THIS_AND_FOLLOWING
from domain.ids import CALLER_ID
from domain.metadata import METADATA_KEY_MAX, METADATA_MAX_KEYS, METADATA_VALUE_MAX
from domain.validation import RULE_MAX
from domain.values import (
    DESCRIPTION_MAX,
    EARLIEST_START_MS,
    LATEST_END_MS,
    LOCATION_FIELD_MAX,
    NAME_MAX,
    VISIT_NOTE_MAX,
    AttendanceStatus,
    GeneratedFromType,
    InteractionType,
    PaymentStatus,
    Status,
)

CallerId = Annotated[str, Field(pattern=CALLER_ID.pattern, examples=["user_123"])]
CallerIds = Annotated[list[CallerId], Field(json_schema_extra={"uniqueItems": True})]
"""Ids listed at most once each."""
EpochMs = Annotated[
    int,
    Field(
        ge=EARLIEST_START_MS,
        lt=LATEST_END_MS,
        description="Unix epoch milliseconds, UTC.",
        examples=[1692370044000],
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]
VisitNote = Annotated[str, Field(min_length=1, max_length=VISIT_NOTE_MAX)]
LocationText = Annotated[str, Field(min_length=1, max_length=LOCATION_FIELD_MAX)]

FROM_JSON = Field(strict=False)
"""An enum field takes its value's string (JSON has no enums): strict models
otherwise want the enum member itself."""
StatusName = Annotated[Status, FROM_JSON]
AttendanceStatusName = Annotated[AttendanceStatus, FROM_JSON]
PaymentStatusName = Annotated[PaymentStatus, FROM_JSON]
InteractionTypeName = Annotated[InteractionType, FROM_JSON]
GeneratedFromTypeName = Annotated[GeneratedFromType, FROM_JSON]


NOT_SENT: Any = None
"""Default of optional fields that may be omitted but never sent as null."""

AllowOverlap = Annotated[
    bool,
    Field(
        description="Book this time even where it overlaps another active "
        "appointment of the same person (recorded in the event)."
    ),
]


Metadata = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=METADATA_KEY_MAX)],
        Annotated[str, Field(max_length=METADATA_VALUE_MAX)],
    ],
    Field(
        max_length=METADATA_MAX_KEYS,
        description="Your own key-value pairs (strings). On update they are "
        'merged into those already set; a key sent with `""` is removed.',
        examples=[{"clinic_booking_ref": "A-1042"}],
    ),
]

Scope = Annotated[
    Literal["this", "this_and_following"],
    Field(
        description="For an occurrence of a series: this one only, or this one "
        "and all that follow (the series is split).",
    ),
]

ApiKeyName = Annotated[
    str | None,
    Field(
        description="The name of the API key the change was made with; null "
        "for changes made without one (the CLI) or before keys were recorded."
    ),
]


class StrictModel(BaseModel):
    """Enum fields hold their plain string values, as the domain's documents do."""

    model_config = ConfigDict(strict=True, extra="forbid", use_enum_values=True)


class Location(StrictModel):
    name: LocationText | None = None
    address: LocationText
    room: LocationText | None = None


class Recurring(StrictModel):
    """``{"is_recurring": false}``, or a series: an RFC 5545 RRULE (FREQ
    DAILY, WEEKLY or MONTHLY; INTERVAL, COUNT or UNTIL, BYDAY, BYMONTHDAY,
    WKST) expanded in an IANA time zone from ``start_time``."""

    is_recurring: bool
    rule: Annotated[
        str,
        Field(min_length=1, max_length=RULE_MAX, examples=["FREQ=WEEKLY;COUNT=10"]),
    ] = NOT_SENT
    timezone: Annotated[
        str, Field(min_length=1, max_length=64, examples=["Europe/Berlin"])
    ] = NOT_SENT


class AppointmentCreate(StrictModel):
    name: Name
    description: Description
    group: bool
    internal: bool
    start_time: EpochMs
    end_time: EpochMs
    host: CallerId
    attendees: CallerIds
    created_by: CallerId
    generated_from_type: GeneratedFromTypeName | None = None
    generated_from: CallerId | None = None
    appointment_type: CallerId | None = None
    reference_patients: CallerIds | None = None
    interaction_type: InteractionTypeName = Field(
        default=InteractionType.VIDEO_CALL, validate_default=True
    )
    location: Location | None = None
    recurring: Recurring | None = None
    metadata: Metadata = Field(default_factory=dict)
    allow_overlap: AllowOverlap = False


class AppointmentUpdate(StrictModel):
    """Fields not sent are untouched; ``null`` clears a nullable field."""

    updated_by: CallerId
    name: Name = Field(default=NOT_SENT)
    description: Description = Field(default=NOT_SENT)
    actual_start_time: EpochMs | None = None
    actual_end_time: EpochMs | None = None
    attendees: CallerIds = Field(default=NOT_SENT)
    reference_patients: CallerIds = Field(default=NOT_SENT)
    visit_note: VisitNote | None = None
    host: CallerId = Field(
        default=NOT_SENT, description="A new host; the id and video link stay."
    )
    interaction_type: InteractionTypeName = Field(
        default=NOT_SENT,
        description="`video_call` books a new meeting; `in_person` releases the "
        "old one and needs a `location`.",
    )
    location: Location | None = Field(
        default=NOT_SENT, description="Only with `in_person` (then required)."
    )
    metadata: Metadata = Field(default=NOT_SENT)
    allow_overlap: AllowOverlap = False


ONLY_ENDING_FOLLOWING: dict[str, Any] = {
    "if": {
        "properties": {"scope": {"const": THIS_AND_FOLLOWING}},
        "required": ["scope"],
    },
    "then": {"properties": {"status": {"enum": sorted(ENDING_STATUSES)}}},
}
"""``this_and_following`` goes only with ``cancelled`` or ``no_show``, in the
document's JSON Schema."""


class StatusChange(StrictModel):
    model_config = ConfigDict(json_schema_extra=ONLY_ENDING_FOLLOWING)

    status: StatusName
    changed_by: CallerId
    reason: Description | None = None
    scope: Scope = Field(
        default="this",
        description="`this_and_following` (with `cancelled` or `no_show`, on an "
        "occurrence of a series): this occurrence and every later one take the "
        "status; the answer is the part of the series holding them.",
    )


class Reschedule(StrictModel):
    start_time: EpochMs
    end_time: EpochMs
    changed_by: CallerId
    scope: Scope = "this"
    allow_overlap: AllowOverlap = False


class AttendeeChange(StrictModel):
    changed_by: CallerId
    attendance_status: AttendanceStatusName = Field(default=NOT_SENT)
    no_show: bool = Field(default=NOT_SENT)
    payment_status: PaymentStatusName = Field(default=NOT_SENT)


# --- responses (documentation of what the routes return) --------------------


class AttendeePublic(BaseModel):
    id: str
    attendance_status: AttendanceStatusName
    no_show: bool
    payment_status: PaymentStatusName
    last_updated_at: int


class StatusHistoryEntry(BaseModel):
    status: StatusName
    changed_by: str
    changed_at: int
    reason: str | None


class VideoCallPublic(BaseModel):
    join_url: str
    meeting_id: str


class LocationPublic(BaseModel):
    name: str | None = None
    address: str
    room: str | None = None


class AppointmentPublic(BaseModel):
    id: str
    object: Literal["appointment"]
    generated_from_type: GeneratedFromType | None
    generated_from: str | None
    appointment_type: str | None
    name: str
    description: str
    group: bool
    internal: bool
    recurring: dict[str, Any]
    start_time: int
    end_time: int
    actual_start_time: int | None
    actual_end_time: int | None
    host: str
    attendees: list[AttendeePublic]
    reference_patients: list[str] | None
    interaction_type: InteractionTypeName
    video_call: VideoCallPublic | None
    location: LocationPublic | None
    status: StatusName
    status_history: list[StatusHistoryEntry]
    visit_note: str | None
    change_log: str
    created_by: str
    created_at: int
    last_updated_at: int
    metadata: dict[str, str]


class AppointmentList(BaseModel):
    object: Literal["list"]
    data: list[AppointmentPublic]
    has_more: bool


class FieldChange(BaseModel):
    from_: Any = Field(alias="from")
    to: Any


class ChangeLogEntry(BaseModel):
    version: int
    event: Literal["created", "updated", "status_changed", "attendee_changed"]
    changed_by: str
    changed_at: int
    api_key: ApiKeyName
    reason: str | None = Field(
        description="The reason given with a status change; null for other events."
    )
    changes: dict[str, FieldChange]


class ChangeLogPublic(BaseModel):
    id: str
    object: Literal["change_log"]
    appointment: str
    entries: list[ChangeLogEntry]


class EventData(BaseModel):
    object: AppointmentPublic
    changes: dict[str, FieldChange]


class EventPublic(BaseModel):
    id: int
    object: Literal["event"]
    type: Literal[
        "appointment.created",
        "appointment.updated",
        "appointment.status_changed",
        "appointment.attendee_changed",
    ]
    appointment: str
    version: int
    occurred_at: int
    changed_by: str = Field(description="Who made the change (as in the change log).")
    api_key: ApiKeyName
    reason: str | None = Field(
        description="The reason given with a status change; null for other events."
    )
    data: EventData


class EventList(BaseModel):
    object: Literal["list"]
    data: list[EventPublic]
    has_more: bool


class ErrorDetail(BaseModel):
    type: str
    code: str
    message: str
    param: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail


class BusyPublic(BaseModel):
    start_time: int
    end_time: int
    appointment: str


class AvailabilityPublic(BaseModel):
    object: Literal["availability"]
    user: str
    start_time_gte: int
    start_time_lt: int
    busy: list[BusyPublic]
