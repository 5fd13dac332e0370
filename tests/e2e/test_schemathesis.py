"""The OpenAPI document is truthful: generated requests never get a 5xx or a
response that contradicts the schema."""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 40


def test_every_operation_honours_its_schema(
    start_server: Callable[[], str], auth: dict[str, str]
) -> None:
    base_url = start_server()
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def honours_schema(case: schemathesis.Case) -> None:
            response = case.call_and_validate(
                base_url=base_url, headers=auth, checks=CHECKS
            )
            # The key is valid: a 401 would mean the calls never passed auth
            # (but a calendar feed's own made-up token is refused as it should).
            if response.status_code == 401:
                assert response.json()["error"]["code"] == "calendar_token_invalid"

        honours_schema()
