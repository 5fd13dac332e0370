"""Calendar feeds (CONTRACT section 12): a person's appointments as an RFC 5545
``.ics`` feed, and the secret-bearing feed URLs calendar apps subscribe to."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api import responses
from api.auth import AUTH_RESPONSES, requires
from api.dependencies import (
    ContainerDep,
    IdempotencyKey,
    NoQuery,
    WriteContext,
    only_query,
)
from api.errors import ApiError
from api.ical import MEDIA_TYPE, render_feed
from api.idempotent import run_at_most_once
from api.models import CallerId, ErrorBody, StrictModel
from application.access import Scope
from application.calendar import feed_etag, plan_feed
from infrastructure.bootstrap import Container

READ = requires(Scope.APPOINTMENTS_READ)
calendars = APIRouter(
    prefix="/v1/calendars",
    tags=["calendars"],
    dependencies=[READ],
    responses=AUTH_RESPONSES,
)
feeds = APIRouter(
    prefix="/v1/calendar_feeds",
    tags=["calendars"],
    dependencies=[READ],
    responses=AUTH_RESPONSES,
)

TOKEN_PARAM = "token"
FeedId = Annotated[str, Path(description="A calendar feed id, `cf_...`.")]


class CalendarFeedCreate(StrictModel):
    user: CallerId


class CalendarFeedPublic(StrictModel):
    id: str
    object: Literal["calendar_feed"]
    user: str
    url: str


class CalendarFeedDeleted(StrictModel):
    id: str
    object: Literal["calendar_feed"]
    deleted: Literal[True]


def token_invalid() -> ApiError:
    return ApiError(
        401,
        "authentication_error",
        "calendar_token_invalid",
        "This calendar feed token is unknown, revoked, or for another feed.",
        TOKEN_PARAM,
    )


FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The feed, RFC 5545.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    },
    304: {"description": "Unchanged since the ETag sent in If-None-Match."},
    401: {"model": ErrorBody, "description": "The token grants no such feed."},
    **responses.errors(400, 503),
}


@calendars.get(
    "/{user_id}.ics",
    response_class=Response,
    responses=FEED_RESPONSES,
    dependencies=[Depends(only_query(TOKEN_PARAM))],
    summary="A person's appointments as an iCalendar feed",
)
def calendar_feed(
    user_id: Annotated[CallerId, Path(description="The host's or attendee's id.")],
    container: ContainerDep,
    token: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A calendar feed's secret (`cft_...`), from its URL; "
            "calendar apps cannot send an Authorization header.",
        ),
    ] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    if token is not None and not container.calendar_feeds.grants(token, user_id):
        raise token_invalid()
    states = container.calendar_source.appointments_of(user_id)
    host = container.settings.calendar_host
    etag = feed_etag(states, user_id, host)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    body = render_feed(plan_feed(states, user_id), user=user_id, host=host)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


@feeds.post(
    "",
    status_code=201,
    response_model=CalendarFeedPublic,
    responses=responses.errors(400, 409, 413, 415, 503),
    dependencies=[NoQuery],
    summary="Create a calendar feed URL for one person",
)
def create_calendar_feed(
    body: CalendarFeedCreate,
    request: Request,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def run() -> JSONResponse:
        issued = container.calendar_feeds.issue(body.user)
        url = feed_url(container, request, body.user, issued.token)
        public = {
            "id": issued.feed.id,
            "object": "calendar_feed",
            "user": body.user,
            "url": url,
        }
        return JSONResponse(public, status_code=201)

    write = WriteContext(container, request, None, idempotency_key)
    # No events to record the response with: it is kept once the route answers.
    return run_at_most_once(write, body, lambda _receipt: run())


def feed_url(container: Container, request: Request, user: str, token: str) -> str:
    base = container.settings.public_url or str(request.base_url)
    path = f"v1/calendars/{quote(user, safe='')}.ics"
    return f"{base.rstrip('/')}/{path}?{TOKEN_PARAM}={quote(token, safe='')}"


@feeds.delete(
    "/{feed_id}",
    response_model=CalendarFeedDeleted,
    responses=responses.errors(400, 404, 503),
    dependencies=[NoQuery],
    summary="Revoke a calendar feed URL",
)
def delete_calendar_feed(feed_id: FeedId, container: ContainerDep) -> JSONResponse:
    container.calendar_feeds.revoke(feed_id)
    return JSONResponse({"id": feed_id, "object": "calendar_feed", "deleted": True})
