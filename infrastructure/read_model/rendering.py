"""An appointment's response body, rendered once by the projection and kept
in the read model (``appointments.document_json``), so retrieve sends it as
it is."""

from __future__ import annotations

import orjson

from domain.values import Document
from infrastructure.read_model.field_order import ordered_document


def response_body(document: Document) -> bytes:
    """The document in the API's field order as compact UTF-8 JSON: the same
    bytes as FastAPI's ``JSONResponse`` renders for it."""
    return orjson.dumps(ordered_document(document))
