"""Change logs and the global event feed, derived from the events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from api import responses
from api.auth import AUTH_RESPONSES, requires
from api.dependencies import ContainerDep, NoQuery, only_query
from api.errors import not_found
from api.models import ChangeLogPublic, EventList
from application.access import Scope
from application.queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from domain.ids import appointment_id_of_change_log

router = APIRouter(prefix="/v1", tags=["audit"], responses=AUTH_RESPONSES)
AUDIT = requires(Scope.AUDIT_READ)


@router.get(
    "/change_logs/{change_log_id}",
    response_model=ChangeLogPublic,
    responses=responses.errors(400, 404, 503),
    dependencies=[AUDIT, NoQuery],
    summary="Retrieve a change log",
)
def retrieve_change_log(
    change_log_id: Annotated[str, Path(description="A change log id, `clog_...`.")],
    container: ContainerDep,
) -> JSONResponse:
    appointment_id = appointment_id_of_change_log(change_log_id)
    if appointment_id is None:
        raise not_found(f"No such change log: {change_log_id}")
    return JSONResponse(container.app.change_log(appointment_id))


@router.get(
    "/appointments/{appointment_id}/change_log",
    response_model=ChangeLogPublic,
    responses=responses.errors(400, 404, 503),
    dependencies=[AUDIT, NoQuery],
    summary="Retrieve an appointment's change log",
)
def retrieve_appointment_change_log(
    appointment_id: Annotated[str, Path(description="An appointment id.")],
    container: ContainerDep,
) -> JSONResponse:
    return JSONResponse(container.app.change_log(appointment_id))


@router.get(
    "/events",
    response_model=EventList,
    responses=responses.errors(400, 503),
    dependencies=[AUDIT, Depends(only_query("after", "limit"))],
    summary="Read the global event feed in order",
)
def list_events(
    container: ContainerDep,
    after: Annotated[
        int, Query(ge=0, description="Feed position to read after; 0 from the start.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> JSONResponse:
    page = container.app.feed(after=after, limit=limit)
    return JSONResponse(
        {"object": "list", "data": page.items, "has_more": page.has_more}
    )
