"""The OpenAPI document, made to say exactly what the service answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PYDANTIC_422_SCHEMAS = ("HTTPValidationError", "ValidationError")
INVALID_REQUEST = {
    "description": "Invalid request: a parameter is missing, unknown or invalid.",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
    },
}
NO_NUL = r"^[^\x00]*$"
"""Text the service takes never holds NUL characters (CONTRACT section 2)."""
ID = "$response.body#/id"
APPOINTMENT_ID = {"path.appointment_id": ID}
ENDPOINT_ID = {"path.endpoint_id": ID}
HOST = "$response.body#/host"
Parameters = dict[str, str]
APPOINTMENT_TAKERS: dict[str, Parameters] = {
    "/v1/appointments": {"query.starting_after": ID},
    "/v1/appointments/{appointment_id}": APPOINTMENT_ID,
    "/v1/appointments/{appointment_id}/status": APPOINTMENT_ID,
    "/v1/appointments/{appointment_id}/reschedule": APPOINTMENT_ID,
    "/v1/appointments/{appointment_id}/change_log": APPOINTMENT_ID,
    "/v1/appointments/{appointment_id}/attendees/{attendee_id}": APPOINTMENT_ID,
    "/v1/change_logs/{change_log_id}": {
        "path.change_log_id": "$response.body#/change_log"
    },
    "/v1/availability": {"query.user": HOST},
    "/v1/calendars/{user_id}.ics": {"path.user_id": HOST},
}
ENDPOINT_TAKERS: dict[str, Parameters] = {
    "/v1/webhook_endpoints": {"query.starting_after": ID},
    "/v1/webhook_endpoints/{endpoint_id}": ENDPOINT_ID,
    "/v1/webhook_endpoints/{endpoint_id}/deliveries": ENDPOINT_ID,
    "/v1/webhook_endpoints/{endpoint_id}/replay": ENDPOINT_ID,
}
FEED_TAKERS: dict[str, Parameters] = {
    "/v1/calendar_feeds/{feed_id}": {"path.feed_id": ID},
    "/v1/calendars/{user_id}.ics": {"path.user_id": "$response.body#/user"},
}
LINKS: dict[str, dict[str, Parameters]] = {
    "AppointmentPublic": APPOINTMENT_TAKERS,
    "WebhookEndpointCreated": ENDPOINT_TAKERS,
    "WebhookEndpointPublic": ENDPOINT_TAKERS,
    "CalendarFeedPublic": FEED_TAKERS,
}
"""For each answered resource (by its response schema), the paths of the
operations that take it and what it supplies to each: an appointment's id
goes to the appointment list's ``starting_after``, never to the webhook
endpoints' (whose cursor is an endpoint id)."""

Document = dict[str, Any]


def truthful_openapi(app: FastAPI) -> Document:
    """FastAPI's document without its 422 answers (this API never sends them),
    with the 400 every operation can answer (unknown query parameters), no
    null parameters, no NUL in any text a request carries, and links from
    every answered appointment, webhook endpoint or calendar feed to the
    operations that take its id (for stateful clients)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for operation in _operations(document):
        responses = operation.setdefault("responses", {})
        responses.pop("422", None)
        responses.setdefault("400", INVALID_REQUEST)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in PYDANTIC_422_SCHEMAS:
        schemas.pop(name, None)
    _parameters_never_null(document)
    _refuse_nul(document)
    _link_resources(document)
    app.openapi_schema = document
    return document


def _operations(document: Document) -> Iterator[Document]:
    for path_item in document.get("paths", {}).values():
        yield from path_item.values()


def _parameters_never_null(document: Document) -> None:
    """A parameter left out is absent, never null: FastAPI's ``anyOf`` with
    ``null`` for an optional one would invite sending the text "null"."""
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            variants = [v for v in schema.get("anyOf", []) if v != {"type": "null"}]
            if len(variants) == 1 and len(schema["anyOf"]) == 2:
                del schema["anyOf"]
                schema.update(variants[0])


def _refuse_nul(document: Document) -> None:
    """Every free text a request carries (parameters and bodies) is NUL-free."""
    schemas = document["components"]["schemas"]
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            _text_without_nul(parameter["schema"], schemas)
        body = operation.get("requestBody", {}).get("content", {})
        for media in body.values():
            _text_without_nul(media["schema"], schemas)


def _text_without_nul(
    schema: Any, schemas: Document, seen: set[str] | None = None
) -> None:
    seen = set() if seen is None else seen
    if isinstance(schema, list):
        for item in schema:
            _text_without_nul(item, schemas, seen)
        return
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference not in seen:
        seen.add(reference)
        _text_without_nul(schemas[reference.rsplit("/", 1)[1]], schemas, seen)
    if schema.get("type") == "string" and not {"pattern", "enum", "const"} & set(
        schema
    ):
        schema["pattern"] = NO_NUL
    names = schema.get("propertyNames")
    if isinstance(names, dict) and "pattern" not in names:
        names["pattern"] = NO_NUL  # an object's keys are text too (metadata)
    for key, value in schema.items():
        if key != "$ref":
            _text_without_nul(value, schemas, seen)


def _link_resources(document: Document) -> None:
    """OpenAPI links from each response that is a resource (``LINKS``) to
    every operation taking its id, for stateful clients."""
    for operation in _operations(document):
        for status, response in operation["responses"].items():
            takers = LINKS.get(_schema_name(response) or "")
            if status.startswith("2") and takers:
                response["links"] = _links_to(document, takers)


def _links_to(document: Document, takers: dict[str, Parameters]) -> Document:
    links = {}
    for path, parameters in takers.items():
        for operation in document["paths"].get(path, {}).values():
            names = {f"{p['in']}.{p['name']}" for p in operation.get("parameters", [])}
            if taken := {k: v for k, v in parameters.items() if k in names}:
                target = operation["operationId"]
                links[target] = {"operationId": target, "parameters": taken}
    return links


def _schema_name(response: Document) -> str | None:
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    reference = schema.get("$ref") if isinstance(schema, dict) else None
    return reference.rsplit("/", 1)[1] if isinstance(reference, str) else None
