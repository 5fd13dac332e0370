"""The API-key check, run before the body guard (size, media type) and before
FastAPI parses anything: a ``/v1`` request without a valid key is ``401``
whatever it carries."""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import admit, declared_scopes
from api.errors import ApiError, from_domain
from api.request_log import STATE_KEY
from application.access import Scope as AccessScope
from application.errors import DatabaseUnavailable
from infrastructure.bootstrap import Container

PROTECTED_PREFIX = "/v1"


def is_protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


class AuthGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._scopes: dict[int, tuple[AccessScope, ...]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        container: Container = scope["app"].state.container
        header = _authorization(scope)
        try:
            key = await admit(container, header, self.required(scope))
        except ApiError as error:
            await error.response()(scope, receive, send)
            return
        except DatabaseUnavailable as error:
            await from_domain(error).response()(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = key
        await self.app(scope, receive, send)

    def required(self, scope: Scope) -> tuple[AccessScope, ...]:
        """The scopes of the route this request will reach; none when it
        reaches no route (an authenticated caller then gets its 404/405)."""
        for route in scope["app"].router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return self._scopes_of(route)
        return ()

    def _scopes_of(self, route: object) -> tuple[AccessScope, ...]:
        scopes = self._scopes.get(id(route))
        if scopes is None:
            scopes = self._scopes[id(route)] = declared_scopes(route)
        return scopes


def _authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return None
