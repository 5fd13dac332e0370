"""Checks made before any route runs: body size first, then media type."""

from __future__ import annotations

from email.message import Message

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from api.errors import ApiError

MAX_BODY_BYTES = 1_048_576
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodyGuard:
    """Reads the body once (at most 1 MiB + 1 byte) and refuses it early.

    A body over 1 MiB is ``413 body_too_large`` whatever its type; a body
    that is not ``application/json`` is ``415 unsupported_media_type``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > MAX_BODY_BYTES:
            await too_large().response()(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            await too_large().response()(scope, receive, send)
            return
        if (body or _content_type(scope)) and not _is_json(_content_type(scope)):
            await unsupported_media_type().response()(scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)


def too_large() -> ApiError:
    return ApiError(
        413,
        "invalid_request_error",
        "body_too_large",
        f"The body exceeds {MAX_BODY_BYTES} bytes.",
    )


def unsupported_media_type() -> ApiError:
    return ApiError(
        415,
        "invalid_request_error",
        "unsupported_media_type",
        "The body must be sent with 'Content-Type: application/json'.",
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _declared_length(scope: Scope) -> int:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def _content_type(scope: Scope) -> str:
    return _header(scope, b"content-type") or ""


def _is_json(content_type: str) -> bool:
    message = Message()
    message["content-type"] = content_type
    return message.get_content_type() == "application/json"


async def read_body(receive: Receive) -> bytes | None:
    """The whole body, or None once it passes the limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, downstream: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass real messages through."""
    sent = False

    async def receive() -> AsgiMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await downstream()

    return receive
