"""The HTTP stack's ceiling: a GET that returns a constant appointment
document (the same size and shape as a retrieve's), touching no database.

``async def``: FastAPI runs it on the event loop, with no hop to the thread
pool that the service's (and the CRUD baseline's) ``def`` routes take, so
it is the most this stack serves here."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bench.baseline.documents import appointment_document
from bench.workload import appointment_body

router = APIRouter(prefix="/v1/constant", tags=["constant"])

DOCUMENT = appointment_document(appointment_body("host_0", "patient_0", slot=0))


@router.get("/{appointment_id}")
async def constant(appointment_id: str) -> JSONResponse:
    return JSONResponse(DOCUMENT, headers={"ETag": '"1"'})
