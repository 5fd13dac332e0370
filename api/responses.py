"""Rendering: appointment documents with their ETag, and the documented errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse, Response

from api.models import ErrorBody
from application.queries import AppointmentState, RenderedAppointment

CONSISTENCY_HEADER = "Appointments-Read-Model"

Render = Callable[[AppointmentState], JSONResponse]
"""How a route answers a command's success."""


def appointment(
    state: AppointmentState, *, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    all_headers = {"ETag": f'"{state.version}"', **(headers or {})}
    return JSONResponse(state.document, status_code=status, headers=all_headers)


def stored_appointment(rendered: RenderedAppointment) -> Response:
    """The read model's stored body as it is: the bytes ``appointment`` would
    render for the same document, with the same headers."""
    return Response(
        rendered.body,
        media_type=JSONResponse.media_type,
        headers={"ETag": f'"{rendered.version}"'},
    )


def created(state: AppointmentState) -> JSONResponse:
    location = f"/v1/appointments/{state.document['id']}"
    return appointment(state, status=201, headers={"Location": location})


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    described = {
        400: "Invalid request: a parameter is missing, unknown or invalid.",
        404: "No such appointment (or attendee).",
        409: "Conflict with the appointment's state or an idempotency key.",
        412: "If-Match named a version the appointment has moved on from.",
        413: "The body is over 1 MiB.",
        415: "The body is not application/json.",
        502: "The video provider failed; nothing was recorded.",
        503: "The database or video provider is unavailable; retry after "
        "Retry-After seconds.",
    }
    return {s: {"model": ErrorBody, "description": described[s]} for s in statuses}
