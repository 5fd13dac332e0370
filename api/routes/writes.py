"""Helpers shared by the write routes: draft conversion and read-your-writes."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from api import responses
from api.models import AppointmentCreate
from application.service import Written
from domain.draft import AppointmentDraft
from infrastructure.bootstrap import Container

LAGGING = "lagging"


def to_draft(body: AppointmentCreate) -> AppointmentDraft:
    fields = body.model_dump(exclude_none=True)
    return AppointmentDraft(**fields)


def written(
    container: Container,
    result: Written,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Answer once the read model shows the write (bounded; see docs/api.md)."""
    all_headers = dict(headers or {})
    if result.position is not None and not container.read_model.wait_for(
        result.position, timeout=container.settings.read_your_writes_timeout
    ):
        all_headers[responses.CONSISTENCY_HEADER] = LAGGING
    return responses.appointment(result, status=status, headers=all_headers)
