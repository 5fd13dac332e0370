"""The API-key check, run before the body guard (size, media type) and before
FastAPI parses anything: a ``/v1`` request without a valid key is ``401``,
and one whose key lacks the route's scope ``403``, whatever it carries.

The scope of each route is read from the OpenAPI document (where
``requires(...)`` puts it), so what is documented is what is enforced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import admit
from api.errors import ApiError, from_domain
from api.request_log import ROUTE_STATE, STATE_KEY
from application.access import Scope as AccessScope
from application.acting import acting_as
from application.errors import DatabaseUnavailable
from infrastructure.bootstrap import Container

PROTECTED_PREFIX = "/v1"
SCHEME = "ApiKey"
PARAMETER = re.compile(r"\{[^}:]+(:path)?\}")


def is_protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    scopes: tuple[AccessScope, ...]


class RouteScopes:
    """Each documented operation's path pattern and scopes, in route order."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.operations = [
            Operation(method.upper(), path, _pattern(path), _scopes(operation))
            for path, item in document.get("paths", {}).items()
            for method, operation in item.items()
        ]

    def find(self, method: str, path: str) -> Operation | None:
        method = "GET" if method == "HEAD" else method
        for operation in self.operations:
            if operation.method == method and operation.pattern.fullmatch(path):
                return operation
        return None


class AuthGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: RouteScopes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        operation = self.routes(scope).find(scope["method"], scope["path"])
        state = scope.setdefault("state", {})
        state[ROUTE_STATE] = operation.template if operation else None
        if operation is not None and _carries_its_own_token(operation, scope):
            await self.app(scope, receive, send)  # the route checks the token
            return
        required = operation.scopes if operation else ()
        try:
            key = await admit(_container(scope), _authorization(scope), required)
        except ApiError as error:
            await error.response()(scope, receive, send)
            return
        except DatabaseUnavailable as error:
            await from_domain(error).response()(scope, receive, send)
            return
        state[STATE_KEY] = key
        with acting_as(key.name):  # every event this request records names it
            await self.app(scope, receive, send)

    def routes(self, scope: Scope) -> RouteScopes:
        if self._routes is None:
            self._routes = RouteScopes(scope["app"].openapi())
        return self._routes


def _pattern(template: str) -> re.Pattern[str]:
    parts = PARAMETER.split(template)
    regex = ""
    for index, part in enumerate(PARAMETER.finditer(template)):
        regex += re.escape(parts[index * 2]) + (".*" if part.group(1) else "[^/]+")
    return re.compile(regex + re.escape(parts[-1]))


def _scopes(operation: dict[str, Any]) -> tuple[AccessScope, ...]:
    return tuple(
        AccessScope(name)
        for requirement in operation.get("security", [])
        for name in requirement.get(SCHEME, [])
    )


TOKEN_ROUTES = {("GET", "/v1/calendars/{user_id}.ics"): b"token="}
"""Routes a secret in the URL opens instead of a key: calendar apps cannot
send headers (CONTRACT section 12). The route itself checks the token."""


def _carries_its_own_token(operation: Operation, scope: Scope) -> bool:
    marker = TOKEN_ROUTES.get((operation.method, operation.template))
    query = bytes(scope.get("query_string", b""))
    return marker is not None and any(
        part.startswith(marker) for part in query.split(b"&")
    )


def _container(scope: Scope) -> Container:
    container: Container = scope["app"].state.container
    return container


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return None
