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
APPOINTMENT = "#/components/schemas/AppointmentPublic"
LINKED_PARAMETERS = {
    "path.appointment_id": "$response.body#/id",
    "path.change_log_id": "$response.body#/change_log",
    "query.starting_after": "$response.body#/id",
    "query.user": "$response.body#/host",
}
"""What an answered appointment supplies to the operations that take it."""

Document = dict[str, Any]


def truthful_openapi(app: FastAPI) -> Document:
    """FastAPI's document without its 422 answers (this API never sends them),
    with the 400 every operation can answer (unknown query parameters), no
    null parameters, no NUL in any text a request carries, and links from
    every answered appointment to the operations that take its id (for
    stateful clients)."""
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
    _link_appointments(document)
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


def _link_appointments(document: Document) -> None:
    """OpenAPI links from each response that is an appointment to every
    operation taking an appointment's id, change log or host."""
    targets = {
        operation["operationId"]: parameters
        for operation in _operations(document)
        if (parameters := _linked_parameters(operation))
    }
    for operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("2") and _is_appointment(response):
                response["links"] = {
                    target: {"operationId": target, "parameters": parameters}
                    for target, parameters in targets.items()
                }


def _linked_parameters(operation: Document) -> dict[str, str]:
    names = {f"{p['in']}.{p['name']}" for p in operation.get("parameters", [])}
    return {name: value for name, value in LINKED_PARAMETERS.items() if name in names}


def _is_appointment(response: Document) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return isinstance(schema, dict) and schema.get("$ref") == APPOINTMENT
