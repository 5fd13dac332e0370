"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for load.

The load generator shares two cores with the server it measures, so its
cost per request matters: httpx spends about a millisecond of CPU on each
request here (a constant endpoint measured 545/s through httpx at
concurrency 1, 1,409/s through ``http.client``), which would cap every
figure at the client's speed. This client writes the request bytes and reads
the status line, the headers and ``Content-Length`` bytes of body; nothing else.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit


class ProtocolError(Exception):
    """An answer this client does not read (no ``Content-Length``)."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str] | None = None
    json: dict[str, Any] | None = None

    def encode(self, host: str, extra_head: str = "") -> bytes:
        """The request's bytes; ``extra_head`` holds whole header lines."""
        target = self.path + ("?" + urlencode(self.params) if self.params else "")
        body = b"" if self.json is None else json.dumps(self.json).encode()
        head = f"{self.method} {target} HTTP/1.1\r\nHost: {host}\r\n{extra_head}"
        if self.json is not None:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        return head.encode("latin-1") + body


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(
        self, base_url: str, timeout: float, headers: dict[str, str] | None = None
    ) -> None:
        parts = urlsplit(base_url)
        self.extra_head = "".join(
            f"{name}: {value}\r\n" for name, value in (headers or {}).items()
        )
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.authority = parts.netloc
        self.timeout = timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def send(self, request: Request) -> int:
        """Send ``request`` and read the whole answer; its status."""
        try:
            return await asyncio.wait_for(self._exchange(request), self.timeout)
        except BaseException:
            await self.close()
            raise

    async def _exchange(self, request: Request) -> int:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(request.encode(self.authority, self.extra_head))
        status, length, closing = parse_head(await reader.readuntil(b"\r\n\r\n"))
        await reader.readexactly(length)
        if closing:
            await self.close()
        return status

    async def close(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """The status, the body's length, and whether the server closes."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" not in headers:
        raise ProtocolError(f"no Content-Length in a {status} answer")
    closing = headers.get("connection") == "close"
    return status, int(headers["content-length"]), closing
