"""The OpenAPI document, made to say exactly what the service answers."""

from __future__ import annotations

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


def truthful_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document without its 422 answers (this API never sends them),
    and with the 400 every operation can answer (unknown query parameters)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.setdefault("400", INVALID_REQUEST)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in PYDANTIC_422_SCHEMAS:
        schemas.pop(name, None)
    app.openapi_schema = document
    return document
