"""Create's hot path: ``POST /v1/appointments`` with a body the route accepts,
run before FastAPI's routing and dependency solving: a fifth less of an API
worker's CPU per create (docs/performance.md, "Round four").

It sits where ``StoredRetrieve`` does: inside ``AuthGuard`` (the key and its
``appointments:write`` scope are checked already, from the same OpenAPI
operation), ``BodyGuard`` (the body is read, at most 1 MiB, and JSON) and
``RequestLog``. It calls the route's own ``create`` with what the route's
parameters would have been, parsed as FastAPI parses them. Whatever the route
might refuse (a query string, a body that is not a JSON object the model
accepts, a malformed ``Idempotency-Key``) goes on to the route, which answers
as it always has: every refusal of a request is still the route's. An error
the command raises gets the answer the app's exception handlers give it.
"""

from __future__ import annotations

from inspect import isawaitable

import orjson
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.dependencies import WriteContext
from api.middleware import read_body, replay
from api.models import AppointmentCreate
from api.routes.appointments import create

PATH = "/v1/appointments"
IDEMPOTENCY_KEY = b"idempotency-key"
KEY_LENGTHS = range(1, 256)
"""``IdempotencyKey``'s ``min_length`` and ``max_length``."""


class DirectCreate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _plain_create(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive) or b""
        accepted = accepted_create(scope, body)
        if accepted is None:
            await self.app(scope, replay(body, receive), send)
            return
        model, idempotency_key = accepted
        request = Request(scope, receive)
        write = WriteContext(
            scope["app"].state.container, request, None, idempotency_key
        )
        response: Response
        try:
            response = await run_in_threadpool(create, write, model)
        except Exception as error:
            response = await _handled(request, error)
        await response(scope, receive, send)


def _plain_create(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and scope["path"] == PATH
        and not scope.get("query_string")
    )


def accepted_create(
    scope: Scope, body: bytes
) -> tuple[AppointmentCreate, str | None] | None:
    """The route's ``body`` and ``idempotency_key`` if it would accept them,
    else None. The body is parsed strictly (``orjson`` refuses what Python's
    ``json`` allows beyond JSON: ``NaN``, lone surrogates, integers past 64
    bits) and validated as FastAPI validates a parsed body; anything refused
    here is for the route to judge."""
    idempotency_key = _first_header(scope, IDEMPOTENCY_KEY)
    if idempotency_key is not None and len(idempotency_key) not in KEY_LENGTHS:
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    try:
        model = AppointmentCreate.model_validate(parsed, from_attributes=True)
    except ValidationError:
        return None
    return model, idempotency_key


def _first_header(scope: Scope, name: bytes) -> str | None:
    """As Starlette's ``Headers.get``: the first, decoded as Latin-1."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _handled(request: Request, error: Exception) -> Response:
    """What the app's ``ExceptionMiddleware`` answers for ``error``; one with
    no handler but the catch-all goes on to ``ServerErrorMiddleware``, as
    from a route."""
    handlers = request.app.exception_handlers
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None and kind is not Exception:
            response = handler(request, error)
            answered: Response = await response if isawaitable(response) else response
            return answered
    raise error
