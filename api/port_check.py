"""A second ``appointments serve`` (a second ``make run``) on a port already
served says so in one line, before it starts anything."""

from __future__ import annotations

import errno
import socket

from infrastructure.settings import SettingsError


def ensure_port_free(host: str, port: int) -> None:
    """Raise ``SettingsError`` when ``host:port`` cannot be bound (as uvicorn
    would bind it) because something already listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise SettingsError(
                f"APPOINTMENTS_PORT: {host}:{port} is already in use; is the "
                "service already running (another `make run` or `appointments "
                "serve`)? Stop it, or choose another port."
            ) from None
