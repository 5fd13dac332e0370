"""``/v1/webhook_endpoints``: subscribe URLs to events, see and replay
their deliveries (CONTRACT section 10, docs/webhooks.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from api import responses
from api.auth import AUTH_RESPONSES, requires
from api.dependencies import (
    ContainerDep,
    IdempotencyKey,
    NoQuery,
    WriteContext,
    only_query,
)
from api.errors import invalid, not_found
from api.idempotent import run_at_most_once
from api.models import ErrorBody
from api.webhook_models import (
    WebhookDeliveryList,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointDeleted,
    WebhookEndpointList,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookReplay,
    WebhookReplayAccepted,
)
from application.access import Scope
from application.queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from application.webhooks import (
    DELIVERY_ID,
    ENDPOINT_ID,
    Listed,
    WebhookEndpointNotFound,
    WebhookError,
)

router = APIRouter(
    prefix="/v1/webhook_endpoints",
    tags=["webhooks"],
    dependencies=[requires(Scope.WEBHOOKS_MANAGE)],
    responses=AUTH_RESPONSES,
)

EndpointId = Annotated[str, Path(description="A webhook endpoint id, `we_...`.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
EndpointCursor = Annotated[
    str | None,
    Query(
        pattern=ENDPOINT_ID.pattern,
        description="The last endpoint id of the previous page; one that names "
        "no endpoint is refused.",
    ),
]
DeliveryCursor = Annotated[
    str | None,
    Query(
        pattern=DELIVERY_ID.pattern,
        description="The last delivery id of the previous page; one that names "
        "no delivery is refused.",
    ),
]
PAGING = Depends(only_query("limit", "starting_after"))


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    documented = responses.errors(*(s for s in statuses if s != 404))
    if 404 in statuses:
        documented[404] = {"model": ErrorBody, "description": "No such endpoint."}
    return documented


@contextmanager
def webhook_errors() -> Iterator[None]:
    """The service's refusals, as API errors."""
    try:
        yield
    except WebhookEndpointNotFound as error:
        raise not_found(error.message, "id") from None
    except WebhookError as error:
        raise invalid(error.message, error.param) from None


def listed(page: Listed[Any]) -> JSONResponse:
    data = [item.as_document() for item in page.data]
    return JSONResponse({"object": "list", "data": data, "has_more": page.has_more})


@router.post(
    "",
    status_code=201,
    response_model=WebhookEndpointCreated,
    responses=errors(400, 409, 413, 415, 503),
    dependencies=[NoQuery],
    summary="Create a webhook endpoint (its secret is shown only now)",
)
def create_webhook_endpoint(
    body: WebhookEndpointCreate,
    request: Request,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def run() -> JSONResponse:
        with webhook_errors():
            endpoint, secret = container.webhooks.create(
                body.url, body.enabled_events, body.description
            )
        return JSONResponse(
            {**endpoint.as_document(), "secret": secret},
            status_code=201,
            headers={"Location": f"{router.prefix}/{endpoint.id}"},
        )

    write = WriteContext(container, request, None, idempotency_key)
    # No events to record the response with: it is kept once the route answers.
    return run_at_most_once(write, body, lambda _receipt: run())


@router.get(
    "",
    response_model=WebhookEndpointList,
    responses=errors(400, 503),
    dependencies=[PAGING],
    summary="List webhook endpoints, oldest first",
)
def list_webhook_endpoints(
    container: ContainerDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    starting_after: EndpointCursor = None,
) -> JSONResponse:
    with webhook_errors():
        return listed(container.webhooks.list(limit, starting_after))


@router.get(
    "/{endpoint_id}",
    response_model=WebhookEndpointPublic,
    responses=errors(400, 404, 503),
    dependencies=[NoQuery],
    summary="Retrieve a webhook endpoint",
)
def retrieve_webhook_endpoint(
    endpoint_id: EndpointId, container: ContainerDep
) -> JSONResponse:
    with webhook_errors():
        return JSONResponse(container.webhooks.get(endpoint_id).as_document())


@router.post(
    "/{endpoint_id}",
    response_model=WebhookEndpointPublic,
    responses=errors(400, 404, 413, 415, 503),
    dependencies=[NoQuery],
    summary="Update a webhook endpoint, or re-enable a disabled one",
)
def update_webhook_endpoint(
    endpoint_id: EndpointId, body: WebhookEndpointUpdate, container: ContainerDep
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    with webhook_errors():
        endpoint = container.webhooks.update(endpoint_id, changes)
    return JSONResponse(endpoint.as_document())


@router.delete(
    "/{endpoint_id}",
    response_model=WebhookEndpointDeleted,
    responses=errors(400, 404, 503),
    dependencies=[NoQuery],
    summary="Delete a webhook endpoint (its pending deliveries are dropped)",
)
def delete_webhook_endpoint(
    endpoint_id: EndpointId, container: ContainerDep
) -> JSONResponse:
    with webhook_errors():
        container.webhooks.delete(endpoint_id)
    return JSONResponse(
        {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}
    )


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=WebhookDeliveryList,
    responses=errors(400, 404, 503),
    dependencies=[PAGING],
    summary="List an endpoint's delivery attempts, newest first (kept 30 days)",
)
def list_webhook_deliveries(
    endpoint_id: EndpointId,
    container: ContainerDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    starting_after: DeliveryCursor = None,
) -> JSONResponse:
    with webhook_errors():
        return listed(container.webhooks.deliveries(endpoint_id, limit, starting_after))


@router.post(
    "/{endpoint_id}/replay",
    status_code=202,
    response_model=WebhookReplayAccepted,
    responses=errors(400, 404, 413, 415, 503),
    dependencies=[NoQuery],
    summary="Re-send every matching event after a feed position, in order",
)
def replay_webhook_events(
    endpoint_id: EndpointId, body: WebhookReplay, container: ContainerDep
) -> JSONResponse:
    with webhook_errors():
        container.webhooks.replay(endpoint_id, body.after)
    return JSONResponse(
        {
            "object": "webhook_replay",
            "webhook_endpoint": endpoint_id,
            "after": body.after,
        },
        status_code=202,
    )
