"""One structured log line per request, instead of uvicorn's access log, and
the request's Prometheus metrics (``api.metrics``).

The line holds the request id (also sent as ``X-Request-Id``), the method,
the route *template* (never the path, so never an id; never a query string
or a body), the status, the duration and the key's name. Errors are logged
with the request id and the exception's type and place, never its message,
which may quote a field value (docs/security.md).
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
import time
import traceback
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics

STATE_KEY = "api_key"
"""Where the API key's guard leaves the resolved key in the request's state."""
ROUTE_STATE = "route_template"
"""The template the key's guard matched, for requests it answers itself."""
ACCESS_LOGGER = "appointments.access"
REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID_STATE = "request_id"
UNMATCHED = "unmatched"
MAX_METHOD_LENGTH = 16

access_logger = logging.getLogger(ACCESS_LOGGER)
error_logger = logging.getLogger("appointments.errors")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(10)


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        state = scope.setdefault("state", {})
        state[REQUEST_ID_STATE] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method, route = str(scope["method"])[:MAX_METHOD_LENGTH], route_of(scope)
            metrics.observe(method, route, status, seconds)
            access_logger.info(access_line(scope, request_id, status, seconds))


def route_of(scope: Scope) -> str:
    """The route's template: the router's match, else the key guard's."""
    route = getattr(scope.get("route"), "path", None)
    return route or scope.get("state", {}).get(ROUTE_STATE) or UNMATCHED


def access_line(scope: Scope, request_id: str, status: int, seconds: float) -> str:
    key = scope.get("state", {}).get(STATE_KEY)
    return json.dumps(
        {
            "request_id": request_id,
            "method": str(scope["method"])[:MAX_METHOD_LENGTH],
            "route": route_of(scope),
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "api_key": getattr(key, "name", None),
        }
    )


def request_id_of(scope: Scope) -> str | None:
    value = scope.get("state", {}).get(REQUEST_ID_STATE)
    return value if isinstance(value, str) else None


def log_unexpected(request_id: str | None, error: BaseException) -> None:
    """The request id, the exception's type and where it was raised."""
    error_logger.error(
        json.dumps(
            {
                "request_id": request_id,
                "error": type(error).__name__,
                "at": raised_at(error),
            }
        )
    )


def raised_at(error: BaseException) -> str | None:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return None
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


class NoExceptionDetails(logging.Filter):
    """Other loggers (uvicorn's, the projections') print a traceback with the
    exception's message; keep only its type and place."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = record.getMessage()
            record.msg = "%s: %s at %s"
            record.args = (message, type(error).__name__, raised_at(error))
            record.exc_info = None
            record.exc_text = None
        return True


def log_config(base: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging config (``base``) with the access log replaced by
    ``appointments.access`` and every traceback reduced to type and place."""
    config = copy.deepcopy(base)
    config["filters"] = {"no_exception_details": {"()": NoExceptionDetails}}
    config["formatters"]["request"] = {"format": "%(message)s"}
    config["handlers"]["default"]["filters"] = ["no_exception_details"]
    config["handlers"]["request"] = {
        "class": "logging.StreamHandler",
        "formatter": "request",
        "stream": "ext://sys.stdout",
    }
    loggers = config["loggers"]
    loggers["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}
    loggers[ACCESS_LOGGER] = {
        "handlers": ["request"],
        "level": "INFO",
        "propagate": False,
    }
    for name in ("appointments", "application", "infrastructure"):
        loggers[name] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config
