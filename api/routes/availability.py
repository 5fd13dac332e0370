"""``/v1/availability``: when a person is busy, from the occupancy table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api import responses
from api.auth import AUTH_RESPONSES, requires
from api.dependencies import ContainerDep, only_query
from api.errors import invalid
from api.models import AvailabilityPublic
from application.access import Scope
from domain.ids import CALLER_ID

router = APIRouter(
    prefix="/v1",
    tags=["availability"],
    dependencies=[requires(Scope.APPOINTMENTS_READ)],
    responses=AUTH_RESPONSES,
)

MAX_WINDOW_MS = 31 * 24 * 3_600_000
"""The longest window one request may ask for: 31 days."""

Instant = Annotated[int, Query(ge=0, description="Unix epoch milliseconds, UTC.")]


@router.get(
    "/availability",
    response_model=AvailabilityPublic,
    responses=responses.errors(400, 503),
    dependencies=[
        Depends(only_query("user", "start_time_gte", "start_time_lt")),
    ],
    summary="When a person is busy",
)
def retrieve_availability(
    container: ContainerDep,
    user: Annotated[
        str, Query(pattern=CALLER_ID.pattern, description="A host's or attendee's id.")
    ],
    start_time_gte: Instant,
    start_time_lt: Instant,
) -> JSONResponse:
    """Every active appointment of ``user`` starting in the window (at most
    31 days), ordered by start time; overlapping ones are not merged."""
    if start_time_lt <= start_time_gte:
        raise invalid(
            "'start_time_lt' must be after 'start_time_gte'.", "start_time_lt"
        )
    if start_time_lt - start_time_gte > MAX_WINDOW_MS:
        raise invalid("The window may span at most 31 days.", "start_time_lt")
    busy = container.busy_times.busy(user, start_time_gte, start_time_lt)
    return JSONResponse(
        {
            "object": "availability",
            "user": user,
            "start_time_gte": start_time_gte,
            "start_time_lt": start_time_lt,
            "busy": [
                {
                    "start_time": b.start_time,
                    "end_time": b.end_time,
                    "appointment": b.appointment,
                }
                for b in busy
            ],
        }
    )
