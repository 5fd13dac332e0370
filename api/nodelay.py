"""uvicorn's HTTP protocols with ``TCP_NODELAY`` always set.

With several workers, uvicorn's supervisor binds the listening socket itself
and the accepted sockets reach asyncio without ``TCP_NODELAY``, so each
keep-alive response waits ~40 ms for the client's delayed ACK
(Kludex/uvicorn#3149). Setting it on every connection removes the stall.
``appointments serve`` uses the httptools parser (``uvicorn[standard]``);
the h11 one stays for a deployment without it.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)
