"""Running a POST at most once per ``Idempotency-Key`` (CONTRACT section 7).

A command that records events records the key's response with them
(``Receipt``); any other outcome (an error, a command that changed nothing)
is stored once the route has answered."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api import responses
from api.dependencies import WriteContext
from api.errors import MAPPED_ERRORS, ApiError, conflict, from_domain
from application.idempotency import (
    ClaimOutcome,
    IdempotencyStore,
    Receipt,
    StoredResponse,
)

BUSY_WAIT_SECONDS = 10.0
BUSY_POLL_SECONDS = 0.05
REPLAYED_HEADERS = ("ETag", "Location")


def run_at_most_once(
    write: WriteContext,
    body: BaseModel,
    run: Callable[[Receipt | None], JSONResponse],
    render: responses.Render = responses.appointment,
) -> JSONResponse:
    """Run a write route's command at most once for its ``Idempotency-Key``
    (every time, without one): a repeat gets the first response again.
    ``run`` passes the receipt to its command; ``render`` is how it answers
    the command's success."""
    key = write.idempotency_key
    if key is None:
        return respond(lambda: run(None))
    receipt = Receipt(key, lambda state: _stored(render(state)))
    sent = body.model_dump(mode="json", exclude_unset=True)
    request = write.request
    request_fingerprint = fingerprint(request.method, request.url.path, sent)
    return _run_claimed(
        write.container.idempotency, key, request_fingerprint, lambda: run(receipt)
    )


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(
        {"method": method, "path": path, "body": body}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def respond(run: Callable[[], JSONResponse]) -> JSONResponse:
    """Run a command, turning the errors it may raise into their responses."""
    try:
        return run()
    except ApiError as error:
        return error.response()
    except MAPPED_ERRORS as error:
        return from_domain(error).response()


def _run_claimed(
    store: IdempotencyStore,
    key: str,
    request_fingerprint: str,
    run: Callable[[], JSONResponse],
) -> JSONResponse:
    """Run the command once this request owns ``key``, and keep its response
    for repeats (a 5xx is not kept: the request may be tried again)."""
    replay = _claim(store, key, request_fingerprint)
    if replay is not None:
        return replay
    try:
        response = respond(run)
    except BaseException:
        store.release(key)
        raise
    if response.status_code >= 500:
        store.release(key)
    else:
        store.complete(key, _stored(response))
    return response


def _claim(
    store: IdempotencyStore, key: str, request_fingerprint: str
) -> JSONResponse | None:
    """None when this request owns the key; else the response to give."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        claim = store.claim(key, request_fingerprint)
        if claim.outcome is ClaimOutcome.OWNED:
            return None
        if claim.outcome is ClaimOutcome.REPLAY and claim.response is not None:
            return _replayed(claim.response)
        if claim.outcome is ClaimOutcome.MISMATCH:
            raise conflict(
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request.",
                "Idempotency-Key",
            )
        if time.monotonic() > deadline:
            raise conflict(
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still being processed.",
                "Idempotency-Key",
            )
        time.sleep(BUSY_POLL_SECONDS)


def _stored(response: JSONResponse) -> StoredResponse:
    headers = {
        h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers
    }
    return StoredResponse(
        response.status_code, json.loads(bytes(response.body)), headers
    )


def _replayed(stored: StoredResponse) -> JSONResponse:
    headers = {**stored.headers, "Idempotent-Replayed": "true"}
    return JSONResponse(stored.body, status_code=stored.status, headers=headers)
