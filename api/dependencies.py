"""Shared route dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from api.errors import invalid, unknown_parameter
from infrastructure.bootstrap import Container

IF_MATCH = re.compile(r'^(?:\*|W/"([0-9]{1,18})"|"([0-9]{1,18})"|([0-9]{1,18}))$')
"""``*``, or a version as an ETag (``"3"``), a weak one (``W/"3"``) or bare."""


async def get_container(request: Request) -> Container:
    """``async``, as every dependency that does no I/O: FastAPI runs a plain
    ``def`` dependency in the thread pool, a hop per request."""
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def parse_if_match(
    if_match: Annotated[
        str | None,
        Header(
            pattern=IF_MATCH.pattern,
            description='Apply the write only at this version: `"<version>"` '
            'as in the ETag (also `W/"<version>"` or the bare number); `*` '
            "matches any.",
        ),
    ] = None,
) -> int | None:
    match = IF_MATCH.fullmatch(if_match or "*")
    if match is None:
        raise invalid('If-Match must be an ETag such as "3".', "If-Match")
    version = next((group for group in match.groups() if group), None)
    return None if version is None else int(version)


IfMatch = Annotated[int | None, Depends(parse_if_match)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=255,
        min_length=1,
        description="Repeat a POST safely: the same key and body within 24 hours "
        "return the first response and record nothing new.",
    ),
]


@dataclass(frozen=True)
class WriteContext:
    """What a write route takes besides its path and body."""

    container: Container
    request: Request
    if_match: int | None
    idempotency_key: str | None = None


def write_context(
    request: Request, container: ContainerDep, if_match: IfMatch
) -> WriteContext:
    return WriteContext(container, request, if_match)


def idempotent_write_context(
    request: Request,
    container: ContainerDep,
    if_match: IfMatch,
    idempotency_key: IdempotencyKey = None,
) -> WriteContext:
    return WriteContext(container, request, if_match, idempotency_key)


Write = Annotated[WriteContext, Depends(write_context)]
"""A write route's context: ``If-Match``, and no ``Idempotency-Key``."""
IdempotentWrite = Annotated[WriteContext, Depends(idempotent_write_context)]
"""A write route's context: ``If-Match`` and ``Idempotency-Key``."""


def only_query(
    *allowed: str, pattern: re.Pattern[str] | None = None
) -> Callable[[Request], Awaitable[None]]:
    """A dependency refusing query parameters the route does not know (by
    name, or matching ``pattern``), and values no text field can hold (NUL)."""
    names = frozenset(allowed)

    async def check(request: Request) -> None:
        for name, value in request.query_params.multi_items():
            known = name in names or (pattern and pattern.fullmatch(name))
            if not known:
                raise unknown_parameter(name)
            if "\x00" in value:
                raise invalid(f"'{name}' must not contain NUL characters.", name)

    return check


NoQuery = Depends(only_query())
