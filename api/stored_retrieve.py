"""Retrieve's hot path: ``GET /v1/appointments/{id}`` with no query string,
answered with the read model's stored body before FastAPI's routing and
dependency solving (which cost more than the rest of the request together).

It sits inside ``AuthGuard`` (the key and its ``appointments:read`` scope are
checked already, by the same OpenAPI operation) and ``RequestLog`` (the
request is logged and counted under the route's template). Whatever it
cannot answer from a stored body (an occurrence without a history of its own,
an unknown id, a failed database) goes on to the route
``retrieve_appointment``, which answers as it always has; so do ``?version=``
and ``?as_of=``.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from api.responses import stored_appointment
from infrastructure.bootstrap import Container

PATH = re.compile(r"/v1/appointments/([^/]+)")
"""The route's template ``/v1/appointments/{appointment_id}``, as Starlette
matches it."""


class StoredRetrieve:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _plain_retrieve(scope)
        if match is not None:
            container: Container = scope["app"].state.container
            rendered = await container.retrieve.rendered(match)
            if rendered is not None:
                await stored_appointment(rendered)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _plain_retrieve(scope: Scope) -> str | None:
    """The appointment id of a ``GET`` of the current state, else None."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    if scope.get("query_string"):
        return None
    match = PATH.fullmatch(scope["path"])
    return None if match is None else match.group(1)
