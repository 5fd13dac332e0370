"""Webhook endpoints (CONTRACT section 10): the model, its rules, its ports,
and the service the API calls. Delivery itself is in ``webhook_delivery``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from application.errors import ApplicationError
from application.feed_items import EVENT_TYPE_PREFIX
from application.ports import Clock
from domain.ids import BASE62
from domain.values import Document

EVENT_TYPES = tuple(
    EVENT_TYPE_PREFIX + kind
    for kind in ("created", "updated", "status_changed", "attendee_changed")
)
ALL_EVENTS = "*"
ENDPOINT_PREFIX = "we_"
DELIVERY_PREFIX = "wd_"
SECRET_PREFIX = "whsec_"
SECRET_LENGTH = 32
ID_LENGTH = 20
ENDPOINT_ID = re.compile(rf"^{ENDPOINT_PREFIX}[0-9A-Za-z]{{{ID_LENGTH}}}$")
DELIVERY_ID = re.compile(rf"^{DELIVERY_PREFIX}[0-9A-Za-z]{{{ID_LENGTH}}}$")

EndpointStatus = Literal["enabled", "disabled"]
STATUSES = ("enabled", "disabled")


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_endpoint_id() -> str:
    return ENDPOINT_PREFIX + random_base62(ID_LENGTH)


def new_delivery_id() -> str:
    return DELIVERY_PREFIX + random_base62(ID_LENGTH)


def new_secret() -> str:
    return SECRET_PREFIX + random_base62(SECRET_LENGTH)


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    url: str
    enabled_events: tuple[str, ...]
    description: str | None
    status: EndpointStatus
    disabled_reason: str | None
    created_at: int

    def wants(self, event_type: str) -> bool:
        return ALL_EVENTS in self.enabled_events or event_type in self.enabled_events

    def as_document(self) -> Document:
        return {
            "id": self.id,
            "object": "webhook_endpoint",
            "url": self.url,
            "enabled_events": list(self.enabled_events),
            "description": self.description,
            "status": self.status,
            "disabled_reason": self.disabled_reason,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one event to one endpoint."""

    id: str
    event: int
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: int

    def as_document(self) -> Document:
        return {"object": "webhook_delivery", **self.__dict__}


T = TypeVar("T")


@dataclass(frozen=True)
class Listed(Generic[T]):
    data: list[T]
    has_more: bool


class WebhookError(ApplicationError):
    """A webhook request the service refuses."""


class WebhookEndpointNotFound(WebhookError):
    def __init__(self, endpoint_id: str) -> None:
        super().__init__(f"No such webhook endpoint: {endpoint_id}", "id")


class InvalidWebhookUrl(WebhookError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid 'url': {reason}", "url")


class InvalidWebhookParameter(WebhookError):
    pass


class UnknownWebhookCursor(WebhookError):
    def __init__(self, cursor: str) -> None:
        super().__init__(f"'starting_after' names nothing known: {cursor}", cursor)
        self.param = "starting_after"


class UrlGuard(Protocol):
    def check(self, url: str) -> None:
        """Raise ``InvalidWebhookUrl`` unless webhooks may be sent to ``url``."""
        ...


class WebhookStore(Protocol):
    def add(self, endpoint: WebhookEndpoint, secret: str, position: int) -> None:
        """Store a new endpoint whose deliveries start after feed ``position``."""
        ...

    def get(self, endpoint_id: str) -> WebhookEndpoint | None: ...

    def list(
        self, limit: int, starting_after: str | None
    ) -> Listed[WebhookEndpoint]: ...

    def update(
        self, endpoint_id: str, changes: dict[str, Any]
    ) -> WebhookEndpoint | None:
        """Apply ``changes`` (re-enabling resets the pending events' retries)."""
        ...

    def delete(self, endpoint_id: str) -> bool: ...

    def deliveries(
        self, endpoint_id: str, limit: int, starting_after: str | None
    ) -> Listed[Delivery]: ...

    def rewind(self, endpoint_id: str, after: int) -> bool:
        """Deliver again every matching event after feed position ``after``."""
        ...


UPDATABLE = ("url", "enabled_events", "description", "status")


class Webhooks:
    """The endpoint management commands and queries (CONTRACT section 10)."""

    def __init__(
        self,
        store: WebhookStore,
        guard: UrlGuard,
        clock: Clock,
        head_position: Callable[[], int],
    ) -> None:
        self.store = store
        self.guard = guard
        self.clock = clock
        self.head_position = head_position

    def create(
        self, url: str, enabled_events: Sequence[str], description: str | None
    ) -> tuple[WebhookEndpoint, str]:
        """The new endpoint and its signing secret (shown this once)."""
        self.guard.check(url)
        endpoint = WebhookEndpoint(
            id=new_endpoint_id(),
            url=url,
            enabled_events=checked_events(enabled_events),
            description=description,
            status="enabled",
            disabled_reason=None,
            created_at=self.clock.now_ms(),
        )
        secret = new_secret()
        self.store.add(endpoint, secret, self.head_position())
        return endpoint, secret

    def get(self, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self.store.get(endpoint_id)
        if endpoint is None:
            raise WebhookEndpointNotFound(endpoint_id)
        return endpoint

    def list(self, limit: int, starting_after: str | None) -> Listed[WebhookEndpoint]:
        return self.store.list(limit, starting_after)

    def update(self, endpoint_id: str, changes: dict[str, Any]) -> WebhookEndpoint:
        unknown = set(changes) - set(UPDATABLE)
        if unknown:
            raise InvalidWebhookParameter("Not updatable.", sorted(unknown)[0])
        if "url" in changes:
            self.guard.check(changes["url"])
        if "enabled_events" in changes:
            events = checked_events(changes["enabled_events"])
            changes = {**changes, "enabled_events": events}
        if changes.get("status", "enabled") not in STATUSES:
            raise InvalidWebhookParameter("Unknown status.", "status")
        updated = self.store.update(endpoint_id, changes)
        if updated is None:
            raise WebhookEndpointNotFound(endpoint_id)
        return updated

    def delete(self, endpoint_id: str) -> None:
        if not self.store.delete(endpoint_id):
            raise WebhookEndpointNotFound(endpoint_id)

    def deliveries(
        self, endpoint_id: str, limit: int, starting_after: str | None
    ) -> Listed[Delivery]:
        self.get(endpoint_id)
        return self.store.deliveries(endpoint_id, limit, starting_after)

    def replay(self, endpoint_id: str, after: int) -> None:
        if not self.store.rewind(endpoint_id, after):
            raise WebhookEndpointNotFound(endpoint_id)


def checked_events(enabled_events: Sequence[str]) -> tuple[str, ...]:
    """The subscribed event types, each once, in the order given."""
    if not enabled_events:
        raise InvalidWebhookParameter(
            "'enabled_events' must name at least one event type.", "enabled_events"
        )
    for event_type in enabled_events:
        if event_type != ALL_EVENTS and event_type not in EVENT_TYPES:
            raise InvalidWebhookParameter(
                f"Unknown event type {event_type!r}.", "enabled_events"
            )
    return tuple(dict.fromkeys(enabled_events))
