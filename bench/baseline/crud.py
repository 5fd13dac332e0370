"""The minimal CRUD service: one INSERT per create, one SELECT per retrieve,
and the service's list query shape (host and time window, keyset order)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, ConfigDict, Field

from bench.baseline.documents import appointment_document
from bench.baseline.schema import TABLE

router = APIRouter(prefix="/v1/appointments", tags=["crud"])

CallerId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
EpochMs = Annotated[int, Field(ge=946_684_800_000, lt=4_133_980_800_000)]

INSERT = f"INSERT INTO {TABLE} (id, document, host, start_time) VALUES (%s, %s, %s, %s)"
SELECT_ONE = f"SELECT document FROM {TABLE} WHERE id = %s"
SELECT_PAGE = (
    f"SELECT a.document FROM {TABLE} a WHERE a.host = %s "
    "AND a.start_time >= %s AND a.start_time < %s "
    "ORDER BY a.start_time, a.id LIMIT %s"
)


class AppointmentIn(BaseModel):
    """The service's create fields and limits, declared again here so the
    baseline stays what it is while the service's models change."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5000)]
    group: bool
    internal: bool
    start_time: EpochMs
    end_time: EpochMs
    host: CallerId
    attendees: list[CallerId]
    created_by: CallerId
    generated_from_type: str | None = None
    generated_from: CallerId | None = None
    appointment_type: CallerId | None = None
    reference_patients: list[CallerId] | None = None
    interaction_type: str = "video_call"
    location: dict[str, Any] | None = None


def pool_of(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


@router.post("", status_code=201)
def create(body: AppointmentIn, request: Request) -> JSONResponse:
    document = appointment_document(body.model_dump())
    with pool_of(request).connection() as conn:
        conn.execute(
            INSERT,
            (document["id"], Jsonb(document), document["host"], document["start_time"]),
            prepare=True,
        )
    headers = {"Location": f"/v1/appointments/{document['id']}", "ETag": '"1"'}
    return JSONResponse(document, status_code=201, headers=headers)


@router.get("/{appointment_id}")
def retrieve(appointment_id: str, request: Request) -> JSONResponse:
    with pool_of(request).connection() as conn:
        row = conn.execute(SELECT_ONE, (appointment_id,), prepare=True).fetchone()
    if row is None:
        raise HTTPException(status_code=404)
    return JSONResponse(row[0], headers={"ETag": '"1"'})


@router.get("")
def list_appointments(
    request: Request,
    host: str,
    start_time_gte: int,
    start_time_lt: int,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    params = (host, start_time_gte, start_time_lt, limit + 1)
    with pool_of(request).connection() as conn:
        rows = conn.execute(SELECT_PAGE, params, prepare=True).fetchall()
    data = [row[0] for row in rows[:limit]]
    return JSONResponse({"object": "list", "data": data, "has_more": len(rows) > limit})
