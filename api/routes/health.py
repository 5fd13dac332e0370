"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api import metrics
from api.dependencies import ContainerDep, NoQuery
from application.errors import DatabaseUnavailable

router = APIRouter(tags=["health"])

READY_WAIT_SECONDS = 1.0


@router.get("/healthz", dependencies=[NoQuery], summary="Liveness")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get(
    "/readyz",
    dependencies=[NoQuery],
    summary="Readiness: database reachable and projections caught up",
    responses={503: {"description": "Not ready; the body says why."}},
)
def readyz(container: ContainerDep) -> JSONResponse:
    encryption = "on" if container.encrypted else "off"
    try:
        head = container.app.head_position()
    except DatabaseUnavailable as error:
        body = {"status": "unavailable", "reason": error.message}
        return JSONResponse({**body, "encryption": encryption}, 503)
    caught_up = head == 0 or container.read_model.wait_for(head, READY_WAIT_SECONDS)
    metrics.EVENT_STORE_HEAD.set(head)
    read_database = container.read_database()
    if not caught_up:
        body = {
            "status": "catching_up",
            "reason": "projections are behind the events",
            "read_database": read_database,
        }
        return JSONResponse({**body, "encryption": encryption}, 503)
    return JSONResponse(
        {
            "status": "ready",
            "head": head,
            "encryption": encryption,
            "read_database": read_database,
        }
    )


@router.get(
    "/metrics",
    dependencies=[NoQuery],
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
def prometheus_metrics() -> Response:
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)
