"""``GET /v1/appointments?metadata[KEY]=VALUE``: the metadata filter's query
parameters (CONTRACT section 11), several ANDed, in Stripe's bracket form
(OpenAPI's ``deepObject`` style)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request

from api.errors import invalid
from domain.metadata import METADATA_KEY_MAX, METADATA_VALUE_MAX

METADATA_PARAMETER = re.compile(r"metadata\[(?P<key>.*)\]", re.DOTALL)
PARAM = "metadata"

OPENAPI_PARAMETER: dict[str, Any] = {
    "name": "metadata",
    "in": "query",
    "style": "deepObject",
    "explode": True,
    "required": False,
    "description": "`metadata[KEY]=VALUE`: only appointments whose metadata "
    "holds exactly this value under this key; several are ANDed. A series "
    "matches with all its occurrences.",
    "schema": {
        "type": "object",
        "additionalProperties": {"type": "string", "maxLength": METADATA_VALUE_MAX},
        "propertyNames": {"minLength": 1, "maxLength": METADATA_KEY_MAX},
    },
}
"""The parameter as the OpenAPI document describes it (FastAPI has no
``deepObject`` parameters of its own)."""


def metadata_filter(request: Request) -> dict[str, str]:
    """Each ``metadata[KEY]=VALUE`` of the query; ``400`` for a key or value
    no metadata can hold, or a key asked twice."""
    wanted: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        match = METADATA_PARAMETER.fullmatch(name)
        if match is None:
            continue
        key = match["key"]
        if "\x00" in key:
            raise invalid("A metadata key must not contain NUL characters.", PARAM)
        if not 1 <= len(key) <= METADATA_KEY_MAX:
            raise invalid(
                f"A metadata key is 1 to {METADATA_KEY_MAX} characters long.", PARAM
            )
        if len(value) > METADATA_VALUE_MAX:
            raise invalid(
                f"A metadata value is at most {METADATA_VALUE_MAX} characters.", PARAM
            )
        if key in wanted:
            raise invalid(f"'metadata[{key}]' is given more than once.", PARAM)
        wanted[key] = value
    return wanted
