"""``/v1/appointments``: create, retrieve, update, status, attendees, list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.types import DecoratedCallable
from starlette.concurrency import run_in_threadpool

from api import responses
from api.auth import AUTH_RESPONSES, CurrentKey, check_scopes, requires
from api.dependencies import (
    ContainerDep,
    IdempotencyKey,
    IdempotentWrite,
    NoQuery,
    Write,
    WriteContext,
    only_query,
)
from api.errors import invalid, not_found
from api.idempotent import run_at_most_once
from api.metadata_query import METADATA_PARAMETER, OPENAPI_PARAMETER, metadata_filter
from api.models import (
    AppointmentCreate,
    AppointmentList,
    AppointmentPublic,
    AppointmentUpdate,
    AttendeeChange,
    InteractionTypeName,
    Reschedule,
    StatusChange,
    StatusName,
)
from api.routes.writes import to_draft, written
from application.access import Scope
from application.idempotency import Receipt
from application.queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ListQuery
from domain.ids import ANY_APPOINTMENT_ID
from infrastructure.bootstrap import Container

router = APIRouter(
    prefix="/v1/appointments", tags=["appointments"], responses=AUTH_RESPONSES
)
READ = requires(Scope.APPOINTMENTS_READ)
WRITE = requires(Scope.APPOINTMENTS_WRITE)

AppointmentId = Annotated[str, Path(description="An appointment id, `appt_...`.")]
BooleanText = Annotated[str | None, Query(pattern="^(true|false)$")]
WRITE_ERRORS = responses.errors(400, 404, 409, 412, 413, 415, 503)
LIST_PARAMETERS = tuple(
    each.name for each in fields(ListQuery) if each.name != "metadata"
)


def write_route(
    method: str, path: str, summary: str
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A route that changes an appointment and answers with it."""
    return router.api_route(
        path,
        methods=[method],
        response_model=AppointmentPublic,
        responses=WRITE_ERRORS,
        dependencies=[WRITE, NoQuery],
        summary=summary,
    )


@router.post(
    "",
    status_code=201,
    response_model=AppointmentPublic,
    responses=responses.errors(400, 409, 413, 415, 502, 503),
    dependencies=[WRITE, NoQuery],
    summary="Create an appointment",
)
def create_appointment(
    body: AppointmentCreate,
    request: Request,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Most creates are run by ``api/direct_create.py`` before routing, with
    the same ``create``; what it hands on (anything this route may refuse)
    arrives here."""
    return create(WriteContext(container, request, None, idempotency_key), body)


def create(write: WriteContext, body: AppointmentCreate) -> JSONResponse:
    container = write.container

    def run(receipt: Receipt | None) -> JSONResponse:
        result = container.app.schedule(to_draft(body), receipt=receipt)
        return written(container, result, responses.created)

    return run_at_most_once(write, body, run, responses.created)


@router.get(
    "/{appointment_id}",
    response_model=AppointmentPublic,
    responses=responses.errors(400, 404, 503),
    dependencies=[READ, Depends(only_query("version", "as_of"))],
    summary="Retrieve an appointment, now or as it was",
    description="The current state needs `appointments:read`; "
    "`?version=` and `?as_of=` (past states) need `audit:read` too.",
)
async def retrieve_appointment(
    appointment_id: AppointmentId,
    container: ContainerDep,
    api_key: CurrentKey,
    version: Annotated[
        int | None, Query(ge=1, description="The appointment at this version.")
    ] = None,
    as_of: Annotated[
        int | None,
        Query(description="The appointment as it was at this time (epoch ms)."),
    ] = None,
) -> Response:
    """Without ``version``/``as_of``, ``api/stored_retrieve.py`` answered
    already if the read model holds the appointment's body."""
    if version is None and as_of is None:
        return await run_in_threadpool(current_appointment, container, appointment_id)
    check_scopes(api_key, [Scope.AUDIT_READ])
    if version is not None and as_of is not None:
        raise invalid("Give at most one of 'version' and 'as_of'.", "as_of")
    past = (
        partial(container.app.get_at_version, appointment_id, version)
        if version is not None
        else partial(container.app.get_as_of, appointment_id, as_of or 0)
    )
    return responses.appointment(await run_in_threadpool(past))


def current_appointment(container: Container, appointment_id: str) -> JSONResponse:
    """From the read model's documents: an occurrence without a history of
    its own (version 0), or an answer the stored bodies could not give."""
    state = container.read_model.get(appointment_id)
    if state is None:
        raise not_found(f"No such appointment: {appointment_id}")
    return responses.appointment(state)


def _update(
    appointment_id: str, body: AppointmentUpdate, write: WriteContext
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    changed_by = changes.pop("updated_by")
    allow_overlap = changes.pop("allow_overlap", False)

    def run(receipt: Receipt | None) -> JSONResponse:
        result = write.container.app.update(
            appointment_id,
            changed_by=changed_by,
            changes=changes,
            expected_version=write.if_match,
            allow_overlap=allow_overlap,
            receipt=receipt,
        )
        return written(write.container, result)

    return run_at_most_once(write, body, run)


@write_route("PATCH", "/{appointment_id}", "Update an appointment")
def update_appointment(
    appointment_id: AppointmentId, body: AppointmentUpdate, write: Write
) -> JSONResponse:
    return _update(appointment_id, body, write)


@write_route("POST", "/{appointment_id}", "Update an appointment (POST form)")
def update_appointment_by_post(
    appointment_id: AppointmentId, body: AppointmentUpdate, write: IdempotentWrite
) -> JSONResponse:
    return _update(appointment_id, body, write)


@write_route("POST", "/{appointment_id}/status", "Change an appointment's status")
def change_status(
    appointment_id: AppointmentId, body: StatusChange, write: IdempotentWrite
) -> JSONResponse:
    def run(receipt: Receipt | None) -> JSONResponse:
        result = write.container.app.change_status(
            appointment_id,
            status=body.status,
            changed_by=body.changed_by,
            reason=body.reason,
            expected_version=write.if_match,
            scope=body.scope,
            receipt=receipt,
        )
        return written(write.container, result)

    return run_at_most_once(write, body, run)


@write_route(
    "POST", "/{appointment_id}/reschedule", "Move an appointment, keeping its id"
)
def reschedule(
    appointment_id: AppointmentId, body: Reschedule, write: IdempotentWrite
) -> JSONResponse:
    app = write.container.app
    move = app.split_series if body.scope == "this_and_following" else app.reschedule

    def run(receipt: Receipt | None) -> JSONResponse:
        result = move(
            appointment_id,
            start_time=body.start_time,
            end_time=body.end_time,
            changed_by=body.changed_by,
            expected_version=write.if_match,
            allow_overlap=body.allow_overlap,
            receipt=receipt,
        )
        return written(write.container, result)

    return run_at_most_once(write, body, run)


@write_route(
    "PATCH",
    "/{appointment_id}/attendees/{attendee_id}",
    "Change one attendee's attendance, no-show or payment status",
)
def change_attendee(
    appointment_id: AppointmentId,
    attendee_id: Annotated[str, Path(description="The attendee's id.")],
    body: AttendeeChange,
    write: Write,
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    changed_by = changes.pop("changed_by")
    result = write.container.app.change_attendee(
        appointment_id,
        attendee_id,
        changed_by=changed_by,
        changes=changes,
        expected_version=write.if_match,
    )
    return written(write.container, result)


@router.get(
    "",
    response_model=AppointmentList,
    responses=responses.errors(400, 503),
    dependencies=[
        READ,
        Depends(only_query(*LIST_PARAMETERS, pattern=METADATA_PARAMETER)),
    ],
    summary="List appointments by start time, then id",
    openapi_extra={"parameters": [OPENAPI_PARAMETER]},
)
def list_appointments(
    request: Request,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    starting_after: Annotated[
        str | None,
        Query(
            pattern=ANY_APPOINTMENT_ID.pattern,
            description="The last id of the previous page (an appointment's or "
            "an occurrence's); one that names no appointment is refused.",
        ),
    ] = None,
    host: str | None = None,
    attendee: str | None = None,
    patient: Annotated[str | None, Query(description="A reference patient.")] = None,
    status: StatusName | None = None,
    interaction_type: InteractionTypeName | None = None,
    internal: BooleanText = None,
    group: BooleanText = None,
    appointment_type: str | None = None,
    start_time_gte: int | None = None,
    start_time_lt: int | None = None,
) -> Response:
    query = ListQuery(
        limit=limit,
        starting_after=starting_after,
        host=host,
        attendee=attendee,
        patient=patient,
        status=status,
        interaction_type=interaction_type,
        internal=None if internal is None else internal == "true",
        group=None if group is None else group == "true",
        appointment_type=appointment_type,
        start_time_gte=start_time_gte,
        start_time_lt=start_time_lt,
        metadata=metadata_filter(request),
    )
    return responses.appointment_list(container.read_model.list_rendered(query))
