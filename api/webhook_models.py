"""Request and response bodies of ``/v1/webhook_endpoints`` (CONTRACT section 10)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.models import NOT_SENT, StrictModel

EventTypeName = Literal[
    "appointment.created",
    "appointment.updated",
    "appointment.status_changed",
    "appointment.attendee_changed",
    "*",
]
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        description="`https://` on a public address (unless the operator "
        "allows private ones).",
        examples=["https://example.com/hooks/appointments"],
    ),
]
EnabledEvents = Annotated[
    list[EventTypeName],
    Field(min_length=1, max_length=16, description='Event types, or `"*"` for all.'),
]
EndpointDescription = Annotated[str, Field(max_length=5000)]
EndpointStatusName = Literal["enabled", "disabled"]


class WebhookEndpointCreate(StrictModel):
    url: Url
    enabled_events: EnabledEvents
    description: EndpointDescription | None = None


class WebhookEndpointUpdate(StrictModel):
    """Fields not sent are untouched. ``"status": "enabled"`` re-enables a
    disabled endpoint: delivery resumes where it stopped."""

    url: Url = Field(default=NOT_SENT)
    enabled_events: EnabledEvents = Field(default=NOT_SENT)
    description: EndpointDescription | None = None
    status: EndpointStatusName = Field(default=NOT_SENT)


class WebhookReplay(StrictModel):
    after: Annotated[
        int,
        Field(ge=0, description="Re-send every matching event after this position."),
    ]


class WebhookEndpointPublic(BaseModel):
    id: str
    object: Literal["webhook_endpoint"]
    url: str
    enabled_events: list[EventTypeName]
    description: str | None
    status: EndpointStatusName
    disabled_reason: str | None
    created_at: int


class WebhookEndpointCreated(WebhookEndpointPublic):
    secret: str = Field(description="`whsec_...`: shown only in this response.")


class WebhookEndpointList(BaseModel):
    object: Literal["list"]
    data: list[WebhookEndpointPublic]
    has_more: bool


class WebhookEndpointDeleted(BaseModel):
    id: str
    object: Literal["webhook_endpoint"]
    deleted: Literal[True]


class WebhookDeliveryPublic(BaseModel):
    id: str
    object: Literal["webhook_delivery"]
    event: int
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: int


class WebhookDeliveryList(BaseModel):
    object: Literal["list"]
    data: list[WebhookDeliveryPublic]
    has_more: bool


class WebhookReplayAccepted(BaseModel):
    object: Literal["webhook_replay"]
    webhook_endpoint: str
    after: int
