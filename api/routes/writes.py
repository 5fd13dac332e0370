"""Helpers shared by the write routes: draft conversion and rendering a write."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from api import responses
from api.models import AppointmentCreate
from application.command_recording import CommandResult
from application.read_your_writes import ReadYourWrites
from domain.draft import AppointmentDraft
from infrastructure.bootstrap import Container

LAGGING = "lagging"


def to_draft(body: AppointmentCreate) -> AppointmentDraft:
    fields = body.model_dump(exclude_none=True)
    return AppointmentDraft(**fields)


def written(
    container: Container,
    result: CommandResult,
    render: responses.Render = responses.appointment,
) -> JSONResponse:
    """The written appointment, once the read model shows it (see docs/api.md)."""
    read_your_writes = ReadYourWrites(
        container.read_model, container.settings.read_your_writes_timeout
    )
    response = render(result)
    if read_your_writes.lagging(result):
        response.headers[responses.CONSISTENCY_HEADER] = LAGGING
    return response
