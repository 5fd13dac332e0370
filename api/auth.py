"""API keys on every ``/v1`` route (CONTRACT section 8, docs/security.md).

Each route declares its scope next to it with ``requires(Scope...)``: one
``Security`` dependency, shown in the OpenAPI document as the ``ApiKey``
bearer scheme. ``AuthGuard`` (middleware, outside the body checks) runs the
same check before anything else is looked at, so an anonymous caller gets
``401`` whatever the body; the dependency then hands the resolved key to the
route (``CurrentKey``) and checks the scope again should it run alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import Request, Security
from fastapi.params import Security as SecurityParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.models import ErrorBody
from api.request_log import STATE_KEY
from application.access import ApiKey, Scope
from infrastructure.bootstrap import Container

BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] ([A-Za-z0-9._~+/-]+=*)")
"""RFC 6750's ``b64token`` after exactly one space; anything else is no token."""
SECRET_SHAPE = re.compile(r"sk_[A-Za-z0-9]{40,128}")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="appointments"'}

bearer_scheme = HTTPBearer(
    scheme_name="ApiKey",
    bearerFormat="sk_...",
    description="An API key: `Authorization: Bearer sk_...` "
    "(`appointments keys create`). Each operation lists the scope it needs.",
    auto_error=False,
)


def key_missing() -> ApiError:
    return ApiError(
        401,
        "authentication_error",
        "api_key_missing",
        "Send an API key as 'Authorization: Bearer <secret>'.",
        headers=CHALLENGE,
    )


def key_invalid() -> ApiError:
    return ApiError(
        401,
        "authentication_error",
        "api_key_invalid",
        "The API key is unknown or revoked.",
        headers=CHALLENGE,
    )


def scope_missing(scope: Scope) -> ApiError:
    return ApiError(
        403,
        "permission_error",
        "scope_missing",
        f"This API key lacks the scope '{scope.value}'.",
    )


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "rate_limit_error",
        "rate_limited",
        f"Too many requests for this API key; retry after {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header, else 401 missing."""
    match = BEARER.fullmatch(header or "")
    if match is None:
        raise key_missing()
    return match.group(1)


def check_scopes(key: ApiKey, required: Iterable[Scope]) -> ApiKey:
    missing = key.missing(required)
    if missing is not None:
        raise scope_missing(missing)
    return key


def authenticate(container: Container, token: str, required: Sequence[Scope]) -> ApiKey:
    """Resolve, authorise and count one request (may read the database)."""
    key = container.key_cache.resolve(token) if SECRET_SHAPE.fullmatch(token) else None
    if key is None:
        raise key_invalid()
    check_scopes(key, required)
    limiter = container.rate_limiter
    retry_after = limiter.admit(key.name) if limiter is not None else None
    if retry_after is not None:
        raise rate_limited(retry_after)
    return key


async def admit(
    container: Container, header: str | None, required: Sequence[Scope]
) -> ApiKey:
    """``authenticate`` without leaving the event loop when the key is cached
    and the rate limit admits it from this process's lease (no database work);
    in a worker thread otherwise."""
    token = bearer_token(header)
    if SECRET_SHAPE.fullmatch(token):
        cached = container.key_cache.cached(token)
        if cached is not None:
            check_scopes(cached, required)
            limiter = container.rate_limiter
            if limiter is None or limiter.admit_locally(cached.name):
                return cached
    return await run_in_threadpool(authenticate, container, token, required)


async def authorize(
    request: Request,
    security_scopes: SecurityScopes,
    _: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> ApiKey:
    """The route's dependency: the key ``AuthGuard`` resolved, checked
    against the scopes the route declares (or resolved here if it did not)."""
    required = [Scope(name) for name in security_scopes.scopes]
    key: ApiKey | None = getattr(request.state, STATE_KEY, None)
    if key is not None:
        return check_scopes(key, required)
    container: Container = request.app.state.container
    key = await admit(container, request.headers.get("authorization"), required)
    setattr(request.state, STATE_KEY, key)
    return key


def requires(*scopes: Scope) -> Any:
    """The dependency a route lists to need ``scopes``."""
    return Security(authorize, scopes=[scope.value for scope in scopes])


CurrentKey = Annotated[ApiKey, Security(authorize)]
"""The calling key (``.name``, ``.scopes``) for a route that needs it."""


def declared_scopes(route: Any) -> tuple[Scope, ...]:
    """The scopes a route's ``requires(...)`` names (router's included)."""
    scopes: list[Scope] = []
    for dependency in getattr(route, "dependencies", ()):
        if isinstance(dependency, SecurityParam) and dependency.dependency is authorize:
            scopes.extend(Scope(name) for name in dependency.scopes or ())
    return tuple(scopes)


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "No API key, or an unknown or revoked one.",
    },
    403: {"model": ErrorBody, "description": "The API key lacks the scope named."},
    429: {
        "model": ErrorBody,
        "description": "The API key's rate limit is spent; retry after Retry-After.",
    },
}
