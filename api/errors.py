"""Every failure becomes one error body (CONTRACT section 3), never a traceback."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api.request_log import log_unexpected, request_id_of
from application.calendar_feeds import CalendarFeedNotFound
from application.errors import (
    AppointmentNotFound,
    DatabaseUnavailable,
    VersionMismatch,
    VersionNotFound,
    WriteContention,
)
from application.ports import VideoProviderUnavailable
from application.queries import UnknownCursor
from domain.errors import (
    AppointmentCancelled,
    AppointmentError,
    AttendeeNotFound,
    InvalidAppointment,
    InvalidStatusTransition,
    MissingParameter,
    ScheduleConflict,
    SeriesAlreadyOver,
)

RETRY_AFTER_SECONDS = "2"
METHODS = frozenset(
    {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        type_: str,
        code: str,
        message: str,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers or {}
        self.details = details or {}
        """Facts beyond the four fields that this error carries (conflicts)."""

    def response(self) -> JSONResponse:
        body = {
            "error": {
                "type": self.type,
                "code": self.code,
                "message": self.message,
                "param": self.param,
                **self.details,
            }
        }
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def invalid(message: str, param: str | None) -> ApiError:
    return ApiError(400, "invalid_request_error", "parameter_invalid", message, param)


def unknown_parameter(param: str) -> ApiError:
    return ApiError(
        400,
        "invalid_request_error",
        "parameter_unknown",
        f"Unknown parameter '{param}'.",
        param,
    )


def not_found(message: str, param: str | None = "id") -> ApiError:
    return ApiError(404, "not_found", "resource_missing", message, param)


def conflict(code: str, message: str, param: str | None = None) -> ApiError:
    return ApiError(409, "conflict", code, message, param)


def schedule_conflict(error: ScheduleConflict) -> ApiError:
    conflicts = [
        {"appointment": c.appointment, "user": c.user} for c in error.conflicts
    ]
    return ApiError(
        409,
        "conflict",
        "schedule_conflict",
        error.message,
        details={"conflicts": conflicts},
    )


def database_unavailable(message: str) -> ApiError:
    return ApiError(
        503,
        "service_unavailable",
        "database_unavailable",
        message,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def video_provider_failed(error: VideoProviderUnavailable) -> ApiError:
    """503 when the provider said when to come back, else 502."""
    if error.retry_after is not None:
        return ApiError(
            503,
            "service_unavailable",
            "video_provider_unavailable",
            f"The video provider is unavailable: {error.message}",
            headers={"Retry-After": str(max(1, math.ceil(error.retry_after)))},
        )
    return ApiError(
        502,
        "service_unavailable",
        "video_provider_error",
        f"The video provider failed: {error.message}",
    )


def from_domain(error: Exception) -> ApiError:
    """Map each domain or application error to exactly one status and code."""
    match error:
        case MissingParameter():
            return ApiError(
                400,
                "invalid_request_error",
                "parameter_missing",
                error.message,
                error.param,
            )
        case InvalidAppointment():
            return invalid(error.message, error.param)
        case InvalidStatusTransition():
            return conflict("invalid_status_transition", str(error), "status")
        case SeriesAlreadyOver():
            return conflict("invalid_status_transition", error.message, "status")
        case AppointmentCancelled():
            return conflict("appointment_cancelled", error.message)
        case ScheduleConflict():
            return schedule_conflict(error)
        case AttendeeNotFound():
            return not_found(error.message, "attendee_id")
        case AppointmentNotFound() | CalendarFeedNotFound():
            return not_found(error.message, error.param)
        case VersionNotFound():
            return invalid(error.message, "version")
        case VersionMismatch():
            return ApiError(
                412,
                "precondition_failed",
                "version_mismatch",
                error.message,
                "If-Match",
            )
        case UnknownCursor():
            return invalid(str(error), "starting_after")
        case WriteContention():
            return conflict("write_contention", error.message)
        case DatabaseUnavailable():
            return database_unavailable(error.message)
        case VideoProviderUnavailable():
            return video_provider_failed(error)
    raise TypeError(f"no API mapping for {type(error).__name__}")


MAPPED_ERRORS: tuple[type[Exception], ...] = (
    AppointmentError,
    AppointmentNotFound,
    CalendarFeedNotFound,
    VersionNotFound,
    VersionMismatch,
    UnknownCursor,
    WriteContention,
    DatabaseUnavailable,
    VideoProviderUnavailable,
)


# --- request validation -----------------------------------------------------

CODE_PRIORITY = {"extra_forbidden": 0, "missing": 1}
FREE_FORM_OBJECTS = frozenset({"metadata"})
"""Objects whose keys are the caller's data, not parameters: an error inside
one names the object (``param: "metadata"``), never a key."""


def from_validation(errors: Sequence[Any]) -> ApiError:
    """The most useful of pydantic's errors: unknown, then missing, then invalid."""
    first = sorted(errors, key=lambda e: CODE_PRIORITY.get(e["type"], 2))[0]
    location = [str(part) for part in first["loc"] if not isinstance(part, int)]
    source, fields = location[0], location[1:]
    if fields and fields[0] in FREE_FORM_OBJECTS:
        fields = fields[:1]
    if source == "body" and not fields:
        return invalid("The body must be a JSON object.", None)
    param = ".".join(fields) if fields else None
    if source == "header" and param:
        param = param.title()
    if first["type"] == "extra_forbidden":
        return unknown_parameter(param or "")
    if first["type"] == "missing":
        return ApiError(
            400,
            "invalid_request_error",
            "parameter_missing",
            f"Missing required parameter '{param}'.",
            param,
        )
    return invalid(f"Invalid '{param}': {_plain(first['msg'])}", param)


def _plain(message: str) -> str:
    return message[0].lower() + message[1:] + "." if message else "invalid value."


# --- handlers ---------------------------------------------------------------


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return error.response()

    async def domain_error(_: Request, error: Exception) -> JSONResponse:
        return from_domain(error).response()

    async def validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return from_validation(error.errors()).response()

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return _from_http(request, error).response()

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request_id_of(request.scope), error)
        return ApiError(
            500, "api_error", "internal_error", "An unexpected error occurred."
        ).response()

    app.add_exception_handler(ApiError, api_error)
    for error_class in MAPPED_ERRORS:
        app.add_exception_handler(error_class, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def _from_http(request: Request, error: StarletteHTTPException) -> ApiError:
    if error.status_code == 404:
        return not_found("No such route.", None)
    if error.status_code == 405:
        allowed = allowed_methods(request, error)
        return ApiError(
            405,
            "invalid_request_error",
            "method_not_allowed",
            f"Method not allowed; this path allows {allowed}.",
            headers={"Allow": allowed},
        )
    return invalid("The request body could not be parsed as JSON.", None)


def allowed_methods(request: Request, error: StarletteHTTPException) -> str:
    """Every method the OpenAPI document gives the request's path (RFC 9110
    ``Allow``): the router's own 405 names only the first route it tried."""
    paths: dict[str, dict[str, Any]] = request.app.openapi()["paths"]
    for template, operations in paths.items():
        if compile_path(template)[0].match(request.url.path):
            return ", ".join(sorted(m.upper() for m in operations if m in METHODS))
    return (error.headers or {}).get("Allow", "")
